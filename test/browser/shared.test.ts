// siolink/shared in Chromium: several pages of one origin share ONE server-side connection through the
// SharedWorker (script-tag build, worker file found beside the script), and through leader election when
// SharedWorker does not exist.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import type { TestServer } from "../helpers/server";
import { waitFor } from "../helpers/wait";
import { bounded, root, startStack, useChromium } from "./harness";
import { existsSync } from "node:fs";
import { join } from "node:path";

const browser = useChromium(() => {
  for (const file of ["dist/siolink.shared.min.js", "dist/siolink.shared-worker.js"]) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npx rollup -c\` before the browser tests`);
  }
});

interface Stats {
  kind: string;
  local?: string;
  tab?: string;
  clients: number;
  handles: number;
  sockets: number;
  listeners: number;
  acks: number;
}

type Win = Window & {
  io: (uri?: string, opts?: Record<string, unknown>) => any;
  s: any;
  c: any;
  log: Record<string, unknown[][]>;
  record(socket: unknown, event: string): void;
  connected(socket: unknown): Promise<string>;
};

async function openTabs(context: BrowserContext, server: TestServer, n: number, file = "shared.html"): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error(`pageerror (tab ${i}): ${error.message}`));
    await page.goto(`${server.url}/pages/${file}`);
    await page.waitForFunction(() => typeof (window as unknown as Win).io === "function");
    pages.push(page);
  }
  return pages;
}

/** In every page: `window.s = io(nsp, opts)`, "news" recorded; resolves with each page's socket.id once connected. */
function connectAll(pages: Page[], nsp = "/", opts: Record<string, unknown> = {}): Promise<string[]> {
  return Promise.all(
    pages.map((page) =>
      page.evaluate(
        async ([nsp, opts]) => {
          const w = window as unknown as Win;
          w.s = w.io(nsp, opts);
          w.record(w.s, "news");
          w.record(w.s, "disconnect");
          return w.connected(w.s);
        },
        [nsp, opts] as const,
      ),
    ),
  );
}

const stats = (page: Page): Promise<Stats> => page.evaluate(() => (window as unknown as Win).s.debugHost());

test("SharedWorker: N tabs, one server connection; delivery to all; acks to the asker; server acks; binary", bounded, async (t) => {
  const server = await startStack(t);
  const connections: string[] = [];
  server.io.on("connection", (socket) => {
    connections.push(socket.id);
    socket.on("whoami", (tag: string, ack: (v: string) => void) => ack(`you are ${tag}`));
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    socket.on("fromTab", (value: unknown) => socket.emit("heard", value));
  });
  const context = await browser().newContext();
  t.after(() => context.close());
  const pages = await openTabs(context, server, 3);
  const ids = await connectAll(pages);

  assert.equal(connections.length, 1, "one server-side socket for three tabs");
  assert.equal(server.io.engine.clientsCount, 1, "one Engine.IO connection");
  assert.deepEqual(ids, [connections[0], connections[0], connections[0]], "socket.id is the shared socket's");

  // Server → every tab.
  server.io.emit("news", "hello all", 42);
  await Promise.all(
    pages.map((page) => page.waitForFunction(() => (window as unknown as Win).log.news?.length === 1)),
  );
  for (const page of pages) {
    assert.deepEqual(await page.evaluate(() => (window as unknown as Win).log.news), [["hello all", 42]]);
  }

  // Client → server acks come back to the tab that asked, each with its own answer.
  const answers = await Promise.all(
    pages.map((page, i) => page.evaluate((tag) => (window as unknown as Win).s.emitWithAck("whoami", tag), `tab${i}`)),
  );
  assert.deepEqual(answers, ["you are tab0", "you are tab1", "you are tab2"]);
  // With a callback and timeout(): error-first.
  const timed = await pages[1]!.evaluate(
    () => new Promise((resolve) => (window as unknown as Win).s.timeout(5000).emit("whoami", "cb", (err: unknown, v: unknown) => resolve([err, v]))),
  );
  assert.deepEqual(timed, [null, "you are cb"]);

  // Server → client ack: one tab answers, the server gets exactly that answer.
  await pages[2]!.evaluate(() => {
    (window as unknown as Win).s.on("question", (q: string, ack: (v: string) => void) => ack(`answer to ${q}`));
  });
  const [serverSocket] = await server.io.fetchSockets();
  const reply = await serverSocket!.timeout(5000).emitWithAck("question", "life");
  assert.equal(reply, "answer to life");

  // Binary, both ways (an ack and an event).
  const bytes = await pages[0]!.evaluate(async () => {
    const reply = await (window as unknown as Win).s.emitWithAck("echo", new Uint8Array([1, 2, 3, 250]));
    return reply instanceof ArrayBuffer ? Array.from(new Uint8Array(reply)) : String(reply);
  });
  assert.deepEqual(bytes, [1, 2, 3, 250]);
  server.io.emit("news", Buffer.from([9, 8, 7]));
  await pages[1]!.waitForFunction(() => (window as unknown as Win).log.news?.length === 2);
  const got = await pages[1]!.evaluate(() => {
    const value = (window as unknown as Win).log.news![1]![0];
    return value instanceof ArrayBuffer ? Array.from(new Uint8Array(value)) : String(value);
  });
  assert.deepEqual(got, [9, 8, 7]);

  assert.equal(connections.length, 1, "still one server-side connection");
  const s = await stats(pages[0]!);
  assert.equal(s.kind, "worker");
  assert.equal(s.clients, 3);
  assert.equal(s.handles, 3);
  assert.equal(s.sockets, 1);
});

test("SharedWorker: namespaces, auth; closing tabs releases them; the last tab closes the connection; no leak", bounded, async (t) => {
  const server = await startStack(t);
  const auths: unknown[] = [];
  let chatConnections = 0;
  let disconnects = 0;
  server.io.on("connection", (socket) => socket.on("disconnect", () => disconnects++));
  server.io.of("/chat").on("connection", (socket) => {
    chatConnections++;
    auths.push(socket.handshake.auth);
    socket.on("say", (text: string) => server.io.of("/chat").emit("said", text));
  });
  const context = await browser().newContext();
  t.after(() => context.close());
  const pages = await openTabs(context, server, 3);
  await connectAll(pages);
  await Promise.all(
    pages.slice(0, 2).map((page) =>
      page.evaluate(async () => {
        const w = window as unknown as Win;
        w.c = w.io("/chat", { auth: { token: "t1" } });
        w.record(w.c, "said");
        await w.connected(w.c);
      }),
    ),
  );
  assert.equal(chatConnections, 1, "one /chat socket for two tabs");
  assert.deepEqual(auths, [{ token: "t1" }]);
  assert.equal(server.io.engine.clientsCount, 1, "both namespaces over one connection");
  await pages[0]!.evaluate(() => (window as unknown as Win).c.emit("say", "hi chat"));
  for (const page of pages.slice(0, 2)) await page.waitForFunction(() => (window as unknown as Win).log.said?.length === 1);
  assert.equal(await pages[2]!.evaluate(() => (window as unknown as Win).log.said), undefined, "a tab not in /chat hears nothing");
  const before = await stats(pages[2]!);
  assert.deepEqual({ ...before, listeners: 0, tab: "" }, { tab: "", kind: "worker", clients: 3, handles: 5, sockets: 2, listeners: 0, acks: 0 });

  // Tabs come and go: the counters come back where they were.
  for (let round = 0; round < 3; round++) {
    const [extra] = await openTabs(context, server, 1);
    await connectAll([extra!]);
    await extra!.evaluate(() => {
      const w = window as unknown as Win;
      w.c = w.io("/chat", { auth: { token: "t1" } });
      return w.connected(w.c);
    });
    assert.equal((await stats(pages[2]!)).handles, 7);
    await extra!.close({ runBeforeUnload: true });
    await pages[2]!.waitForFunction(
      async () => (await (window as unknown as Win).s.debugHost()).handles === 5,
      undefined,
      { polling: 50, timeout: 10_000 },
    );
  }
  assert.deepEqual(await stats(pages[2]!), before, "no leak after tabs came and went");
  assert.equal(chatConnections, 1);

  // The /chat tabs close: the /chat socket leaves the server, the main one stays.
  await pages[0]!.close();
  await pages[1]!.close();
  await waitFor(() => server.io.of("/chat").sockets.size === 0, { what: "/chat released" });
  const after = await stats(pages[2]!);
  assert.deepEqual({ clients: after.clients, handles: after.handles, sockets: after.sockets }, { clients: 1, handles: 1, sockets: 1 });
  assert.equal(server.io.engine.clientsCount, 1);

  // The last tab closes: the server-side connection closes.
  await pages[2]!.close();
  await waitFor(() => server.io.engine.clientsCount === 0 && disconnects === 1, { what: "server-side disconnect" });
});

test("no SharedWorker: a leader tab holds the one connection; closed, another takes over, nothing emitted in between is lost", bounded, async (t) => {
  const server = await startStack(t);
  const connections: string[] = [];
  const heard: string[] = [];
  server.io.on("connection", (socket) => {
    connections.push(socket.id);
    socket.on("note", (text: string) => heard.push(text));
  });
  const context = await browser().newContext();
  t.after(() => context.close());
  await context.addInitScript(() => {
    delete (window as { SharedWorker?: unknown }).SharedWorker;
  });
  const pages = await openTabs(context, server, 3);
  const ids = await connectAll(pages);
  assert.equal(connections.length, 1, "one server-side socket for three tabs");
  assert.deepEqual(ids, [connections[0], connections[0], connections[0]]);

  server.io.emit("news", "to every tab");
  for (const page of pages) await page.waitForFunction(() => (window as unknown as Win).log.news?.length === 1);

  const all = await Promise.all(pages.map(stats));
  assert.ok(all.every((s) => s.kind === "leader" && s.clients === 3 && s.sockets === 1), JSON.stringify(all));
  const leaderIndex = all.findIndex((s) => s.local === s.tab);
  assert.notEqual(leaderIndex, -1, "one of the pages is the leader");
  const followers = pages.filter((_, i) => i !== leaderIndex);

  // The leader goes; the followers keep emitting while no tab holds the connection. Their first notes go out
  // from their disconnect listener, so some are always made in the gap, however fast a new leader takes over.
  for (const [f, page] of followers.entries()) {
    await page.evaluate((f) => {
      const w = window as unknown as Win & { back?: boolean; early?: number };
      w.s.once("connect", () => (w.back = true));
      w.s.once("disconnect", () => {
        w.early = 0;
        for (let i = 0; i < 5; i++) {
          if (!w.back) w.early++;
          w.s.emit("note", `f${f}-${i}`);
        }
      });
    }, f);
  }
  await pages[leaderIndex]!.close();
  const beforeReconnect = await Promise.all(
    followers.map((page, f) =>
      page.evaluate(async (f) => {
        const w = window as unknown as Win & { back?: boolean; early?: number };
        while (w.early === undefined) await new Promise((r) => setTimeout(r, 5));
        let early = w.early;
        for (let i = 5; i < 25; i++) {
          if (!w.back) early++;
          w.s.emit("note", `f${f}-${i}`);
          if (i % 5 === 4) await new Promise((r) => setTimeout(r, 20));
        }
        return early;
      }, f),
    ),
  );
  assert.ok(beforeReconnect.every((n) => n >= 5), `each follower emitted before the new leader reconnected: ${beforeReconnect}`);
  const expected = followers.flatMap((_, f) => Array.from({ length: 25 }, (_, i) => `f${f}-${i}`));
  await waitFor(() => heard.length >= expected.length, { timeoutMs: 20_000, what: "every note" });
  assert.deepEqual([...heard].sort(), [...expected].sort(), "zero lost, zero duplicated");
  for (const f of [0, 1]) {
    const mine = heard.filter((text) => text.startsWith(`f${f}-`));
    assert.deepEqual(mine, expected.filter((text) => text.startsWith(`f${f}-`)), "each tab's emits in order");
  }

  // A new leader reconnected: one new server-side socket, shared by both followers.
  assert.equal(connections.length, 2);
  const newIds = await Promise.all(followers.map((page) => page.evaluate(() => (window as unknown as Win).connected((window as unknown as Win).s))));
  assert.deepEqual(newIds, [connections[1], connections[1]]);
  const after = await Promise.all(followers.map(stats));
  assert.ok(after.every((s) => s.kind === "leader" && s.clients === 2 && s.handles === 2), JSON.stringify(after));
  assert.equal(server.io.engine.clientsCount, 1);
  const disconnects = await followers[0]!.evaluate(() => (window as unknown as Win).log.disconnect);
  assert.deepEqual(disconnects?.map((args) => args[0]), ["transport close"]);
});

test("module build (import map for a bundler): the worker beside shared.mjs holds one connection for two tabs", bounded, async (t) => {
  const server = await startStack(t);
  let connections = 0;
  server.io.on("connection", () => connections++);
  const context = await browser().newContext();
  t.after(() => context.close());
  const pages = await openTabs(context, server, 2, "shared-esm.html");
  const ids = await connectAll(pages);
  assert.equal(connections, 1);
  assert.equal(ids[0], ids[1]);
  assert.equal((await stats(pages[0]!)).kind, "worker");
});

test("a worker that cannot start (404) falls back to a leader tab; no SharedWorker and no Web Locks: one connection per tab", bounded, async (t) => {
  const server = await startStack(t);
  let connections = 0;
  server.io.on("connection", (socket) => {
    connections++;
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
  });
  const context = await browser().newContext();
  t.after(() => context.close());
  const pages = await openTabs(context, server, 2);
  await connectAll(pages, "/", { workerUrl: "/pages/no-such-worker.js" });
  assert.equal(connections, 1);
  assert.equal((await stats(pages[1]!)).kind, "leader");

  const bare = await browser().newContext();
  t.after(() => bare.close());
  await bare.addInitScript(() => {
    delete (window as { SharedWorker?: unknown }).SharedWorker;
    delete (Navigator.prototype as { locks?: unknown }).locks;
  });
  const alone = await openTabs(bare, server, 2);
  const ids = await connectAll(alone);
  assert.equal(connections, 3, "each tab connects on its own");
  assert.notEqual(ids[0], ids[1]);
  assert.equal((await stats(alone[0]!)).kind, "tab");
  assert.equal(await alone[1]!.evaluate(() => (window as unknown as Win).s.timeout(5000).emitWithAck("echo", "solo")), "solo");
});
