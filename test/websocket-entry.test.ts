// Proves siolink/websocket in Node against a real socket.io server: connect, acks and server events over
// WebSocket; reconnection after a server restart; no polling fallback (connect_error, then the normal
// reconnection loop); polling asked for is a typed error at construction; its Manager, io() cache and
// exports stand apart from "siolink"'s; and the built dist/node/websocket.{mjs,cjs} work the same.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as full from "../src/index";
import { Manager as BaseManager } from "../src/manager";
import * as slim from "../src/websocket";
import { io, Manager, Socket, SioError } from "../src/websocket";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

const POLLING_REFUSED = 'siolink/websocket has no polling transport: import from "siolink" for polling';

/** Counts the Engine.IO requests that arrive as HTTP long-polling (none may, from this entry). */
function countPolling(http: { on(event: "request", fn: (req: IncomingMessage) => void): unknown }): () => number {
  let polls = 0;
  http.on("request", (req) => {
    if ((req.url ?? "").includes("transport=polling")) polls++;
  });
  return () => polls;
}

test("io() from siolink/websocket connects over WebSocket, gets acks and receives server events", { timeout: 30_000 }, async (t) => {
  const srv = await startServer(t);
  const polls = countPolling(srv.http);
  srv.io.on("connection", (socket) => {
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack({ echoed: value }));
    socket.emit("welcome", "hi", { n: 1 });
  });
  const socket = io(srv.url, { forceNew: true, reconnection: false });
  t.after(() => socket.disconnect());
  const welcome = once<[string, { n: number }]>(socket, "welcome");
  await once(socket, "connect");
  assert.equal(socket.io.engine.transport.name, "websocket");
  assert.deepEqual(await welcome, ["hi", { n: 1 }]);
  const ack = await socket.timeout(5000).emitWithAck("echo", { text: "héllo", list: [1, null, true] });
  assert.deepEqual(ack, { echoed: { text: "héllo", list: [1, null, true] } });
  const bytes = await socket.timeout(5000).emitWithAck("echo", new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(bytes as { echoed: Uint8Array }).echoed], [1, 2, 3]);
  assert.equal(polls(), 0);
});

test("after the server restarts on the same port, the slim Manager reconnects and the socket works again", { timeout: 30_000 }, async (t) => {
  const first = await startServer(t);
  const echo = (socket: import("socket.io").Socket) =>
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
  first.io.on("connection", echo);
  const manager = new Manager(first.url, { reconnectionDelay: 50, reconnectionDelayMax: 200, randomizationFactor: 0 });
  const socket = manager.socket("/");
  t.after(() => manager.close());
  await once(socket, "connect");
  const firstId = socket.id;

  const dropped = once<[string]>(socket, "disconnect");
  await first.close();
  const [reason] = await dropped;
  assert.ok(reason === "transport close" || reason === "transport error", `disconnect reason: ${reason}`);

  const second = await startServer(t, { port: first.port });
  second.io.on("connection", echo);
  const polls = countPolling(second.http);
  await once(manager, "reconnect", { timeoutMs: 20_000 });
  if (!socket.connected) await once(socket, "connect");
  assert.notEqual(socket.id, firstId);
  assert.equal(manager.engine.transport.name, "websocket");
  assert.equal(await socket.timeout(5000).emitWithAck("echo", "again"), "again");
  assert.equal(polls(), 0);
});

test("asking the slim entry for polling is a typed ERR_INVALID_ARG at construction, naming the entry", () => {
  const url = "http://127.0.0.1:1";
  for (const transports of [["polling"], ["polling", "websocket"], ["websocket", "polling"]] as const) {
    const refused = (error: unknown) => {
      assert.ok(error instanceof SioError);
      assert.equal(error.code, "ERR_INVALID_ARG");
      assert.equal(error.message, POLLING_REFUSED);
      return true;
    };
    assert.throws(() => new Manager(url, { transports: [...transports], autoConnect: false }), refused);
    assert.throws(() => io(url, { transports: [...transports], forceNew: true }), refused);
  }
  // Per-transport options for polling are harmless: only `transports` chooses.
  const manager = new Manager(url, { transports: ["websocket"], autoConnect: false, transportOptions: { polling: {} } });
  manager.close();
  // The full entry still accepts polling with the same options.
  new full.Manager(url, { transports: ["polling"], autoConnect: false }).close();
  // The Manager class both entries extend links no transport: reached directly, it refuses, typed.
  assert.throws(() => new BaseManager(url, { autoConnect: false }), { code: "ERR_INVALID_ARG" });
});

test("a WebSocket the server refuses is not followed by polling: connect_error, then the usual reconnection", { timeout: 30_000 }, async (t) => {
  // This server speaks polling only, so every WebSocket attempt is refused.
  const srv = await startServer(t, { transports: ["polling"] });
  const polls = countPolling(srv.http);
  const manager = new Manager(srv.url, {
    reconnectionDelay: 20,
    reconnectionDelayMax: 50,
    randomizationFactor: 0,
    reconnectionAttempts: 2,
  });
  const socket = manager.socket("/");
  t.after(() => manager.close());
  const [error] = await once<[Error]>(socket, "connect_error");
  assert.ok(error instanceof Error);
  await once(manager, "reconnect_attempt");
  await once(manager, "reconnect_failed", { timeoutMs: 20_000 });
  assert.equal(socket.connected, false);
  assert.equal(polls(), 0, "the slim entry sent a polling request");
});

test("the slim entry: io.Manager / io.Socket, instanceof, its own io() cache, everything else shared with siolink", { timeout: 30_000 }, async (t) => {
  assert.equal(io.Manager, Manager);
  assert.equal(io.Socket, Socket);
  assert.equal(io.io, io);
  assert.equal(io.connect, io);
  assert.equal(io.protocol, 5);
  assert.equal(slim.default, io);
  assert.equal(slim.connect, io);
  assert.notEqual(slim.Manager, full.Manager);
  assert.notEqual(slim.io, full.io);
  // Every export of "siolink" exists on "siolink/websocket" (the transport exports too: small objects that link
  // no transport code; io() there refuses all but WebSocket), and the ones that are not entry-bound are the same.
  for (const name of Object.keys(full)) {
    assert.ok(name in slim, `siolink/websocket lacks the export ${name}`);
    if (!["io", "connect", "default", "Manager"].includes(name)) {
      assert.equal((slim as Record<string, unknown>)[name], (full as Record<string, unknown>)[name], name);
    }
  }

  const srv = await startServer(t);
  srv.io.of("/other");
  const a = io(srv.url);
  const b = io(`${srv.url}/other`);
  const c = full.io(srv.url);
  t.after(() => {
    a.disconnect();
    b.disconnect();
    c.disconnect();
  });
  assert.equal(a.io, b.io, "the slim io() shares one Manager per server");
  assert.notEqual(a.io, c.io, "the slim and full io() never share a cached Manager");
  assert.ok(a.io instanceof Manager);
  assert.ok(!(a.io instanceof full.Manager));
  assert.ok(c.io instanceof full.Manager && !(c.io instanceof Manager));
  await Promise.all([once(a, "connect"), once(b, "connect"), once(c, "connect")]);
  assert.equal(a.io.engine.transport.name, "websocket");
});

const root = fileURLToPath(new URL("..", import.meta.url));
const built = (file: string): string => {
  const path = `${root}${file}`;
  if (!existsSync(path)) throw new Error(`${file} is missing: run \`npx rollup -c\` before the tests`);
  return path;
};

test("the built dist/node/websocket.mjs and .cjs connect, ack, and refuse polling", { timeout: 30_000 }, async (t) => {
  type Built = typeof slim;
  const esm = (await import(pathToFileURL(built("dist/node/websocket.mjs")).href)) as Built;
  const cjs = createRequire(import.meta.url)(built("dist/node/websocket.cjs")) as Built["io"] & Built;
  assert.equal(typeof cjs, "function", 'require("siolink/websocket") is the io function');
  assert.equal(cjs.Manager, cjs.io.Manager);

  const srv = await startServer(t);
  const polls = countPolling(srv.http);
  srv.io.on("connection", (socket) => socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value)));
  for (const [name, entry] of [["esm", esm.io], ["cjs", cjs]] as const) {
    assert.throws(() => entry(srv.url, { transports: ["polling"], forceNew: true }), { code: "ERR_INVALID_ARG", message: POLLING_REFUSED });
    const socket = entry(srv.url, { forceNew: true, reconnection: false });
    t.after(() => socket.disconnect());
    await once(socket, "connect");
    assert.equal(socket.io.engine.transport.name, "websocket", name);
    assert.equal(await socket.timeout(5000).emitWithAck("echo", name), name);
  }
  assert.equal(polls(), 0);
});
