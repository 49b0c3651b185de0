// exactlyOnce, both halves against real socket.io servers: option checks, what a server without the
// middleware sees (the same events and arguments as from socket.io-client), the client id in CONNECT, the
// middleware per namespace, a resend arriving while the first call is in progress, a shared (async) store,
// the window as seen from the wire, the memory bounds of the default store, the types, and the built entry.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { io as ioClient } from "socket.io-client";
import { Server, type Socket as ServerSocket } from "socket.io";
import { io, type Socket } from "../src/index";
import { exactlyOnce, MemoryStore, type ExactlyOnceStore, type Reply } from "../src/server/index";
import { startProxy } from "./helpers/proxy";
import { startServer } from "./helpers/server";
import { delay, once, waitFor } from "./helpers/wait";

test("exactlyOnce needs retries > 0: ERR_INVALID_ARG before anything connects", () => {
  const url = "http://127.0.0.1:9";
  const invalid = (opts: object) => (error: unknown) => {
    assert.equal((error as { code?: string }).code, "ERR_INVALID_ARG", JSON.stringify(opts));
    return true;
  };
  for (const opts of [{ exactlyOnce: true }, { exactlyOnce: true, retries: 0 }]) {
    assert.throws(() => io(url, { forceNew: true, autoConnect: false, ...(opts as object) }), invalid(opts));
  }
  const socket = io(url, { forceNew: true, autoConnect: false, retries: 2, exactlyOnce: false });
  assert.equal(socket.connected, false);
  assert.throws(() => exactlyOnce({ window: 0 }), invalid({ window: 0 }));
  assert.throws(() => exactlyOnce({ ttl: -1 }), invalid({ ttl: -1 }));
  assert.throws(() => exactlyOnce({ maxClients: 1.5 }), invalid({ maxClients: 1.5 }));
  assert.throws(() => exactlyOnce({ maxPending: Number.NaN }), invalid({ maxPending: "NaN" }));
});

/** What a handler sees of an event: its name, its arguments (the acknowledgement as "<ack>"). */
function record(log: unknown[][]) {
  return (socket: ServerSocket) => {
    socket.onAny((event: string, ...args: unknown[]) => {
      log.push([event, ...args.map((arg) => (typeof arg === "function" ? "<ack>" : arg))]);
      const ack = args[args.length - 1];
      // `retries` makes acknowledgements error-first: null, then the reply.
      if (typeof ack === "function") ack(null, event);
    });
  };
}

test("a server without the middleware sees from an exactlyOnce client the events and arguments socket.io-client sends", async (t) => {
  const server = await startServer(t);
  const logs = new Map<string, unknown[][]>();
  const auths = new Map<string, unknown>();
  server.io.on("connection", (socket) => {
    const name = String(socket.handshake.query.lib);
    auths.set(name, socket.handshake.auth);
    const log: unknown[][] = [];
    logs.set(name, log);
    record(log)(socket);
  });

  type Emitter = Pick<Socket, "emit" | "emitWithAck" | "timeout" | "volatile">;
  const script = async (socket: Emitter): Promise<unknown[]> => {
    const replies: unknown[] = [];
    socket.emit("plain");
    socket.emit("args", 1, "two", { three: [3] }, null, true);
    socket.emit("binary", Buffer.from([1, 2, 3]), { nested: Buffer.from([4]) });
    replies.push(await new Promise((resolve) => socket.emit("with-ack", "x", (...reply: unknown[]) => resolve(reply))));
    replies.push(await socket.emitWithAck("with-ack-promise", 42));
    replies.push(await socket.timeout(5_000).emitWithAck("timeout", "y"));
    socket.volatile.emit("volatile", "z");
    replies.push(await socket.emitWithAck("last"));
    return replies;
  };

  // With ackTimeout both clients hand the server's whole reply to the error-first callback after a null.
  const reference = ioClient(server.url, { forceNew: true, retries: 3, ackTimeout: 5_000, query: { lib: "reference" }, auth: { token: "t" } });
  t.after(() => reference.disconnect());
  await once(reference, "connect");
  const referenceReplies = await script(reference as unknown as Emitter);

  const socket = io(server.url, { forceNew: true, retries: 3, ackTimeout: 5_000, exactlyOnce: true, query: { lib: "siolink" }, auth: { token: "t" } });
  t.after(() => socket.disconnect());
  await once(socket, "connect");
  const replies = await script(socket);

  assert.deepEqual(replies, referenceReplies, "the same replies");
  assert.deepEqual(logs.get("siolink"), logs.get("reference"), "the same events, arguments and acknowledgements");
  const { siolinkEo, ...rest } = auths.get("siolink") as Record<string, unknown>;
  assert.deepEqual(rest, auths.get("reference"), "the user's auth as sent by socket.io-client");
  assert.match(String(siolinkEo), /^\d+-\d+-\d+-\d+$/, "plus the client id");
});

test("the client id is the same on every reconnection of a socket and differs between sockets", async (t) => {
  const server = await startServer(t);
  const ids: string[] = [];
  server.io.on("connection", (socket) => ids.push(String(socket.handshake.auth.siolinkEo)));
  const a = io(server.url, { forceNew: true, retries: 1, exactlyOnce: true, reconnectionDelay: 10, reconnectionDelayMax: 20 });
  const b = io(server.url, { forceNew: true, retries: 1, exactlyOnce: true });
  t.after(() => {
    a.disconnect();
    b.disconnect();
  });
  await Promise.all([once(a, "connect"), once(b, "connect")]);
  a.io.engine?.close();
  await once(a, "connect");
  a.disconnect().connect();
  await once(a, "connect");
  assert.equal(ids.length, 4);
  assert.equal(new Set(ids).size, 2, `two ids: ${ids.join(", ")}`);
});

/**
 * One emit whose first reply is cut off: the connection is cut in the handler, which replies 300 ms later,
 * after the client reconnected and resent it. Returns the handler's calls and what the client got.
 */
async function resendWhilePending(t: { after(fn: () => unknown): void }, nsp: string, use: (server: Awaited<ReturnType<typeof startServer>>) => void) {
  const server = await startServer(t, { transports: ["websocket"] });
  use(server);
  const proxy = await startProxy(t, server.port);
  let calls = 0;
  server.io.of(nsp).on("connection", (socket) => {
    socket.on("order", (item: string, ack: (reply: string) => void) => {
      calls++;
      if (calls === 1) {
        proxy.cut();
        setTimeout(() => ack(`${item} #${calls}`), 300);
      } else ack(`${item} #${calls}`);
    });
  });
  const socket = io(`${proxy.url}${nsp}`, {
    forceNew: true,
    transports: ["websocket"],
    reconnectionDelay: 10,
    reconnectionDelayMax: 20,
    retries: 5,
    exactlyOnce: true,
  });
  t.after(() => socket.disconnect());
  const reply = await socket.emitWithAck("order", "tea");
  return { calls, reply };
}

test("per namespace: io.of(nsp).use(exactlyOnce()) answers the resend with the first reply; a namespace without it runs the handler again", async (t) => {
  const guarded = await resendWhilePending(t, "/orders", (server) => server.io.of("/orders").use(exactlyOnce()));
  assert.deepEqual(guarded, { calls: 1, reply: "tea #1" }, "the resend waited for the first call's reply");
  const unguarded = await resendWhilePending(t, "/", (server) => server.io.of("/orders").use(exactlyOnce()));
  assert.equal(unguarded.calls, 2, "without the middleware the resend reaches the handler");
});

test("a shared store whose get() and set() are async: the resend is answered from it", async (t) => {
  const replies = new Map<string, Reply>();
  let lookups = 0;
  const store: ExactlyOnceStore = {
    async get(client, id) {
      lookups++;
      await delay(5);
      return replies.get(`${client}|${id}`);
    },
    async set(client, id, reply) {
      await delay(5);
      replies.set(`${client}|${id}`, reply);
    },
  };
  const result = await resendWhilePending(t, "/", (server) => server.io.use(exactlyOnce({ store })));
  assert.deepEqual(result, { calls: 1, reply: "tea #1" });
  assert.ok(lookups >= 1);
  await waitFor(() => replies.size === 1, { what: "the reply in the store" });
});

test("the default store stays bounded: `window` replies per client, `maxClients` clients", async (t) => {
  const server = await startServer(t);
  const store = new MemoryStore({ window: 3, maxClients: 2 });
  server.io.use(exactlyOnce({ store }));
  server.io.on("connection", (socket) => socket.on("n", (n: number, ack: (n: number) => void) => ack(n)));
  const sockets: Socket[] = [];
  t.after(() => sockets.forEach((socket) => socket.disconnect()));
  for (let c = 0; c < 3; c++) {
    const socket = io(server.url, { forceNew: true, retries: 2, exactlyOnce: true });
    sockets.push(socket);
    for (let n = 0; n < 10; n++) assert.equal(await socket.emitWithAck("n", n), n);
    assert.ok(store.size <= 6, `at most window x maxClients replies (${store.size})`);
  }
  assert.equal(store.clients, 2, "the least recently active client was forgotten");
  assert.equal(store.size, 6);
});

test("MemoryStore: a reply older than `ttl` is forgotten, the window keeps the latest ids", async () => {
  const store = new MemoryStore({ window: 2, ttl: 40 });
  store.set("a", 1, ["one"]);
  store.set("a", 2, ["two"]);
  store.set("a", 3, ["three"]);
  assert.equal(store.get("a", 1), undefined, "evicted by the window");
  assert.deepEqual(store.get("a", 3), ["three"]);
  await delay(60);
  assert.equal(store.get("a", 3), undefined, "expired");
  store.set("b", 1, ["b"]);
  assert.equal(store.clients, 1, "an idle client whose replies all expired is dropped");
});

test("types: io.use() and a typed namespace's use() take the middleware", () => {
  interface Events {
    order: (item: string, ack: (receipt: string) => void) => void;
  }
  // Not attached to any HTTP server: nothing listens, nothing to close.
  const typed = new Server<Events, Events, Events, { user: string }>();
  typed.use(exactlyOnce());
  typed.of("/orders").use(exactlyOnce({ key: (socket, clientId) => `${String(socket.data.user)} ${clientId}`, window: 10 }));
});

test("the built siolink/server (ESM and CJS, through package.json exports) dedupes, and imports nothing of socket.io", async (t) => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { exports: Record<string, Record<string, Record<string, string>>> };
  const entry = pkg.exports["./server"] as Record<string, Record<string, string>>;
  for (const condition of ["import", "require"]) {
    for (const file of Object.values(entry[condition] as Record<string, string>)) {
      assert.ok(existsSync(`${root}${file}`), `${file} is missing: run \`npx rollup -c\` before the tests`);
      if (!file.includes("/types/")) assert.doesNotMatch(readFileSync(`${root}${file}`, "utf8"), /["']socket\.io["']/, `${file} loads socket.io`);
    }
  }
  type Entry = typeof import("../src/server/index");
  // A specifier in a variable: typechecking must not need dist/ (tsc runs before the build).
  const specifier: string = "siolink/server";
  const esm = (await import(specifier)) as Entry;
  const cjs = createRequire(import.meta.url)(specifier) as Entry;
  for (const built of [esm, cjs]) {
    const result = await resendWhilePending(t, "/", (server) => server.io.use(built.exactlyOnce()));
    assert.deepEqual(result, { calls: 1, reply: "tea #1" });
  }
});

test("the window: a resend of a remembered id gets the first reply, one pushed out of the window runs the handler again", async (t) => {
  // Two socket.io-client sockets sending the same client id stand for one siolink socket and its reconnection:
  // packet ids start at 0 on each, so the second one's emits resend the first one's ids.
  const server = await startServer(t);
  server.io.use(exactlyOnce({ window: 3 }));
  const calls: string[] = [];
  server.io.on("connection", (socket) => {
    socket.on("op", (name: string, ack: (reply: string) => void) => {
      calls.push(name);
      ack(`${name} done`);
    });
  });
  const connect = async (clientId: string) => {
    const socket = ioClient(server.url, { forceNew: true, auth: { siolinkEo: clientId } });
    t.after(() => socket.disconnect());
    await once(socket, "connect");
    return socket;
  };

  const first = await connect("1-2-3-4");
  assert.equal(await first.emitWithAck("op", "a0"), "a0 done");
  assert.equal(await first.emitWithAck("op", "a1"), "a1 done");
  const again = await connect("1-2-3-4");
  assert.equal(await again.emitWithAck("op", "b0"), "a0 done", "packet id 0 is remembered: the first reply");
  assert.deepEqual(calls, ["a0", "a1"]);

  const busy = await connect("5-6-7-8");
  for (const name of ["c0", "c1", "c2", "c3"]) await busy.emitWithAck("op", name);
  const late = await connect("5-6-7-8");
  assert.equal(await late.emitWithAck("op", "d0"), "d0 done", "packet id 0 left the window of 3: handled again");
  assert.deepEqual(calls.slice(2), ["c0", "c1", "c2", "c3", "d0"]);
});
