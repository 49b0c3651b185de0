// Proves the `buffer` option against a real server: overflow policies by count and by bytes (which packets
// go, in which order the rest arrives), expiry on its timer and at the flush, buffer:drop events and the
// typed errors of dropped acknowledged emits, no loss or reordering of what was kept across a reconnection,
// volatile emits never buffered, the retry queue under the same limits, and option validation.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer, type TestServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";
import { io, SioError, type BufferDrop, type IoOptions, type Socket } from "../src/index";

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, forceNew: true } as const;

function client(t: TestContext, server: TestServer, opts: IoOptions): { socket: Socket; drops: BufferDrop[] } {
  const socket = io(server.url, { ...fast, autoConnect: false, ...opts });
  t.after(() => {
    socket.disconnect();
    socket.io.close();
  });
  const drops: BufferDrop[] = [];
  socket.on("buffer:drop", (drop) => drops.push(drop));
  return { socket, drops };
}

/** Collects the `msg` events the server receives, in order. */
function collect(server: TestServer): unknown[] {
  const got: unknown[] = [];
  server.io.on("connection", (s) => s.on("msg", (value: unknown, ack?: (r: unknown) => void) => {
    got.push(value);
    ack?.(`ok ${String(value)}`);
  }));
  return got;
}

const code = (expected: string) => (e: unknown) => e instanceof SioError && e.code === expected;

test("drop-oldest (the default) keeps the newest maxPackets emits and sends them in order", async (t) => {
  const server = await startServer(t);
  const got = collect(server);
  const { socket, drops } = client(t, server, { buffer: { maxPackets: 3 } });
  const first = socket.emitWithAck("msg", 1);
  for (let i = 2; i <= 6; i++) socket.emit("msg", i);
  assert.equal(socket.sendBuffer.length, 3);
  assert.deepEqual(drops.map((d) => [d.reason, d.event, d.args]), [
    ["overflow", "msg", [1]],
    ["overflow", "msg", [2]],
    ["overflow", "msg", [3]],
  ]);
  await assert.rejects(first, code("ERR_BUFFER_OVERFLOW"));
  assert.equal(drops[0]?.error.message.includes("buffer"), true);
  socket.connect();
  await waitFor(() => got.length === 3, { what: "3 messages" });
  assert.deepEqual(got, [4, 5, 6]);
});

test("drop-newest keeps the first emits; an error-first callback learns its emit was dropped", async (t) => {
  const server = await startServer(t);
  const got = collect(server);
  const { socket, drops } = client(t, server, { buffer: { maxPackets: 2, overflow: "drop-newest" } });
  socket.emit("msg", 1);
  socket.emit("msg", 2);
  const dropped = new Promise<unknown[]>((resolve) => socket.timeout(10_000).emit("msg", 3, (...args: unknown[]) => resolve(args)));
  const [err] = await dropped;
  assert.ok(code("ERR_BUFFER_OVERFLOW")(err));
  assert.deepEqual(drops.map((d) => d.args), [[3]]);
  socket.connect();
  await waitFor(() => got.length === 2, { what: "2 messages" });
  assert.deepEqual(got, [1, 2]);
});

test("overflow error: the emit that does not fit throws (emitWithAck rejects) and the queued ones stay", async (t) => {
  const server = await startServer(t);
  const got = collect(server);
  const { socket, drops } = client(t, server, { buffer: { maxPackets: 2, overflow: "error" } });
  const kept = socket.emitWithAck("msg", 1);
  socket.emit("msg", 2);
  assert.throws(() => socket.emit("msg", 3), code("ERR_BUFFER_OVERFLOW"));
  await assert.rejects(socket.emitWithAck("msg", 4), code("ERR_BUFFER_OVERFLOW"));
  assert.equal(drops.length, 0, "a refused emit is not a drop: the caller got the error");
  assert.equal(socket.sendBuffer.length, 2);
  socket.connect();
  assert.equal(await kept, "ok 1");
  await waitFor(() => got.length === 2, { what: "2 messages" });
  assert.deepEqual(got, [1, 2]);
});

test("maxBytes counts the encoded size: the oldest go to make room, a packet larger than the limit never fits", async (t) => {
  const server = await startServer(t);
  const got = collect(server);
  // `2["msg","<20 chars>"]` is 30 characters long.
  const { socket, drops } = client(t, server, { buffer: { maxBytes: 65 } });
  const p = (c: string) => c.repeat(20);
  socket.emit("msg", p("a"));
  socket.emit("msg", p("b"));
  assert.equal(drops.length, 0);
  socket.emit("msg", p("c"));
  assert.deepEqual(drops.map((d) => d.args[0]), [p("a")]);
  socket.emit("msg", "x".repeat(100));
  assert.deepEqual(drops.map((d) => d.args[0]), [p("a"), "x".repeat(100)], "too large for any buffer: dropped itself");
  // Binary attachments count their bytes.
  socket.emit("msg", new Uint8Array(64));
  assert.equal(drops.length, 3);
  socket.connect();
  await waitFor(() => got.length === 2, { what: "2 messages" });
  assert.deepEqual(got, [p("b"), p("c")]);
});

test("maxAgeMs: the buffer's timer drops what waited too long, emitWithAck rejects with ERR_EXPIRED", async (t) => {
  const server = await startServer(t);
  // The namespace never answers: the socket stays active and disconnected.
  server.io.use(() => {});
  const { socket, drops } = client(t, server, { buffer: { maxAgeMs: 30 } });
  socket.connect();
  const dropped = once<[BufferDrop]>(socket, "buffer:drop");
  const acked = socket.emitWithAck("msg", "old");
  const [drop] = await dropped;
  assert.equal(drop.reason, "expired");
  assert.deepEqual([drop.event, drop.args], ["msg", ["old"]]);
  await assert.rejects(acked, code("ERR_EXPIRED"));
  assert.equal(socket.sendBuffer.length, 0);
  // A second one later gets its own expiry (one timer re-armed for the oldest).
  const again = once<[BufferDrop]>(socket, "buffer:drop");
  socket.emit("msg", "later");
  assert.equal((await again)[0].args[0], "later");
  assert.equal(drops.length, 2);
});

test("maxAgeMs: expired packets are dropped at the flush, the fresh ones sent in order", async (t) => {
  const server = await startServer(t);
  const got = collect(server);
  t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
  const { socket, drops } = client(t, server, { buffer: { maxAgeMs: 1000 } });
  socket.emit("msg", 1);
  socket.emit("msg", 2);
  t.mock.timers.tick(1500);
  socket.emit("msg", 3);
  assert.equal(drops.length, 0, "an inactive socket runs no timer: expiry waits for the flush");
  socket.connect();
  await waitFor(() => got.length === 1, { what: "1 message" });
  assert.deepEqual(got, [3]);
  assert.deepEqual(drops.map((d) => [d.reason, d.args[0]]), [["expired", 1], ["expired", 2]]);
});

test("after a reconnection the kept packets arrive in order and nothing else is lost; volatile emits never count", async (t) => {
  const server = await startServer(t);
  const got = collect(server);
  const { socket, drops } = client(t, server, { buffer: { maxPackets: 3 } });
  const first = once<[ServerSocket]>(server.io, "connection");
  socket.connect();
  const [serverSocket] = await first;
  if (!socket.connected) await once(socket, "connect");
  socket.emit("msg", 0);
  await waitFor(() => got.length === 1, { what: "first message" });

  const disconnected = once(socket, "disconnect");
  serverSocket.conn.close();
  await disconnected;
  for (let i = 1; i <= 5; i++) socket.emit("msg", i);
  socket.volatile.emit("msg", "volatile");
  assert.deepEqual(drops.map((d) => d.args[0]), [1, 2]);
  assert.equal(socket.sendBuffer.length, 3);
  await waitFor(() => got.length === 4, { what: "4 messages" });
  assert.deepEqual(got, [0, 3, 4, 5]);
});

test("with retries, the limits bound the retry queue: the emit in flight is never dropped", async (t) => {
  const server = await startServer(t);
  const got = collect(server);
  const { socket, drops } = client(t, server, { retries: 2, buffer: { maxPackets: 2 } });
  const results: unknown[] = [];
  for (let i = 1; i <= 4; i++) socket.emit("msg", i, (err: unknown, reply: unknown) => results.push(err ?? reply));
  assert.deepEqual(drops.map((d) => d.args[0]), [1, 2]);
  socket.connect();
  await waitFor(() => results.length === 4, { what: "4 results" });
  assert.ok(code("ERR_BUFFER_OVERFLOW")(results[0]));
  assert.ok(code("ERR_BUFFER_OVERFLOW")(results[1]));
  assert.deepEqual(results.slice(2), ["ok 3", "ok 4"]);
  assert.deepEqual(got, [3, 4]);
});

test("bad buffer options throw ERR_INVALID_ARG before anything connects", () => {
  for (const buffer of [
    { maxPackets: -1 },
    { maxPackets: 1.5 },
    { maxBytes: "10" },
    { maxAgeMs: -5 },
    { overflow: "drop-random" },
    "small",
  ]) {
    assert.throws(() => io("http://127.0.0.1:9", { forceNew: true, autoConnect: false, buffer: buffer as never }), (e: unknown) => {
      return code("ERR_INVALID_ARG")(e) && /buffer/.test((e as Error).message);
    });
  }
});
