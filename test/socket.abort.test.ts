// Proves AbortSignal support against a real server: socket.signal() before the send (nothing goes out),
// while buffered (removed, buffer:drop "aborted") and after the send (rejects, the late reply is ignored),
// combined with timeout() in both orders; on/once with { signal } and off() releasing the abort listener;
// waitFor's resolve, timeout and abort paths leaving no listener, abort listener or timer behind.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import type { Socket as ServerSocket } from "socket.io";
import { startServer, type TestServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";
import { AbortError, io, TimeoutError, type BufferDrop, type IoOptions, type Socket } from "../src/index";

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, forceNew: true } as const;

function client(t: TestContext, server: TestServer, opts: IoOptions = {}): Socket {
  const socket = io(server.url, { ...fast, ...opts });
  t.after(() => {
    socket.disconnect();
    socket.io.close();
  });
  return socket;
}

async function connected(t: TestContext): Promise<{ server: TestServer; socket: Socket; serverSocket: ServerSocket; got: unknown[] }> {
  const server = await startServer(t);
  const got: unknown[] = [];
  const connection = once<[ServerSocket]>(server.io, "connection");
  server.io.on("connection", (s) => s.on("msg", (value: unknown) => got.push(value)));
  const socket = client(t, server);
  const [serverSocket] = await connection;
  if (!socket.connected) await once(socket, "connect");
  return { server, socket, serverSocket, got };
}

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;
const isAbort = (e: unknown) => e instanceof AbortError && e.code === "ERR_ABORTED";

test("an already aborted signal fails the emit at once and sends nothing", async (t) => {
  const { socket, got } = await connected(t);
  const signal = AbortSignal.abort(new Error("user left"));
  await assert.rejects(socket.signal(signal).emitWithAck("msg", "a"), (e: unknown) => isAbort(e) && (e as Error).cause instanceof Error);
  const [err] = await new Promise<unknown[]>((resolve) => socket.signal(signal).emit("msg", "b", (...args: unknown[]) => resolve(args)));
  assert.ok(isAbort(err), "the callback is error-first under signal()");
  socket.signal(signal).emit("msg", "c");
  socket.emit("msg", "marker");
  await waitFor(() => got.length === 1, { what: "marker" });
  assert.deepEqual(got, ["marker"]);
  assert.equal(abortListeners(signal), 0);
});

test("aborting while buffered removes the packet, reports buffer:drop and rejects", async (t) => {
  const server = await startServer(t);
  const got: unknown[] = [];
  server.io.on("connection", (s) => s.on("msg", (value: unknown, ack?: () => void) => (got.push(value), ack?.())));
  const socket = client(t, server, { autoConnect: false });
  const drops: BufferDrop[] = [];
  socket.on("buffer:drop", (d) => drops.push(d));
  const controller = new AbortController();
  const aborted = socket.signal(controller.signal).emitWithAck("msg", 1);
  const plain = new AbortController();
  socket.signal(plain.signal).emit("msg", 2);
  socket.signal(new AbortController().signal).emit("msg", 3);
  assert.equal(socket.sendBuffer.length, 3);
  controller.abort();
  plain.abort();
  await assert.rejects(aborted, isAbort);
  assert.deepEqual(drops.map((d) => [d.reason, d.args[0]]), [["aborted", 1], ["aborted", 2]]);
  assert.equal(socket.sendBuffer.length, 1);
  assert.equal(abortListeners(controller.signal), 0);
  socket.connect();
  await waitFor(() => got.length === 1, { what: "the kept message" });
  assert.deepEqual(got, [3]);
});

test("aborting after the send rejects at once and ignores the late reply", async (t) => {
  const { socket, serverSocket } = await connected(t);
  let reply: ((value: string) => void) | undefined;
  serverSocket.on("slow", (ack: (value: string) => void) => (reply = ack));
  const controller = new AbortController();
  const calls: unknown[][] = [];
  socket.signal(controller.signal).emit("slow", (...args: unknown[]) => calls.push(args));
  await waitFor(() => reply !== undefined, { what: "the server got it" });
  assert.equal(abortListeners(controller.signal), 1, "still cancellable while the reply is awaited");
  controller.abort();
  assert.equal(calls.length, 1);
  assert.ok(isAbort(calls[0]?.[0]));
  assert.equal(abortListeners(controller.signal), 0);
  reply?.("too late");
  // A later round trip proves the late reply was received and dropped.
  serverSocket.on("fast", (ack: () => void) => ack());
  await socket.emitWithAck("fast");
  assert.equal(calls.length, 1);

  // Sent and answered: the abort listener is gone with the reply.
  const done = new AbortController();
  await socket.signal(done.signal).emitWithAck("fast");
  assert.equal(abortListeners(done.signal), 0);
  // Sent without an acknowledgement: nothing left to cancel once it is out.
  const fire = new AbortController();
  socket.signal(fire.signal).emit("msg", "x");
  assert.equal(abortListeners(fire.signal), 0);
});

test("timeout() and signal() combine in either order", async (t) => {
  const { socket } = await connected(t);
  const never = new AbortController();
  await assert.rejects(socket.timeout(30).signal(never.signal).emitWithAck("nobody"), (e: unknown) => e instanceof TimeoutError);
  await assert.rejects(socket.signal(never.signal).timeout(30).emitWithAck("nobody"), (e: unknown) => e instanceof TimeoutError);
  assert.equal(abortListeners(never.signal), 0, "a timed out emit releases its signal");
  const controller = new AbortController();
  const pending = socket.signal(controller.signal).timeout(60_000).emitWithAck("nobody");
  controller.abort();
  await assert.rejects(pending, isAbort);
});

test("with retries, aborting drops a waiting emit and gives up on the one in flight", async (t) => {
  const server = await startServer(t);
  let pendingAck: (() => void) | undefined;
  server.io.on("connection", (s) => s.on("msg", (_v: unknown, ack: () => void) => (pendingAck = ack)));
  const socket = client(t, server, { retries: 3 });
  await once(socket, "connect");
  const inFlight = new AbortController();
  const waiting = new AbortController();
  const first = socket.signal(inFlight.signal).emitWithAck("msg", 1);
  const second = socket.signal(waiting.signal).emitWithAck("msg", 2);
  await waitFor(() => pendingAck !== undefined, { what: "first in flight" });
  waiting.abort();
  await assert.rejects(second, isAbort);
  inFlight.abort();
  await assert.rejects(first, isAbort);
  assert.equal(abortListeners(inFlight.signal) + abortListeners(waiting.signal), 0);
});

test("on/once with { signal }: abort removes the listener, off() and once's call release the abort listener", async (t) => {
  const { socket, serverSocket } = await connected(t);
  const seen: unknown[] = [];
  const listener = (value: unknown) => seen.push(value);

  const controller = new AbortController();
  socket.on("news", listener, { signal: controller.signal });
  assert.equal(abortListeners(controller.signal), 1);
  const first = once(socket, "news");
  serverSocket.emit("news", 1);
  await first;
  controller.abort();
  assert.equal(socket.listeners("news").length, 0);
  assert.equal(abortListeners(controller.signal), 0);

  const kept = new AbortController();
  socket.on("news", listener, { signal: kept.signal });
  socket.off("news", listener);
  assert.equal(abortListeners(kept.signal), 0, "off() released the abort listener");
  socket.on("news", listener, { signal: kept.signal });
  socket.removeAllListeners();
  assert.equal(abortListeners(kept.signal), 0, "removeAllListeners() too");

  const single = new AbortController();
  socket.once("news", listener, { signal: single.signal });
  const second = once(socket, "news");
  serverSocket.emit("news", 2);
  await second;
  assert.equal(abortListeners(single.signal), 0, "a once listener that fired released it");

  socket.on("news", listener, { signal: AbortSignal.abort() });
  assert.equal(socket.listeners("news").length, 0, "an aborted signal adds nothing");
  assert.deepEqual(seen, [1, 2]);
});

/** The Node Timeout handles created while `fn` runs synchronously (siolink looks setTimeout up at call time). */
function timersCreatedBy<T>(fn: () => T): { result: T; handles: NodeJS.Timeout[] } {
  const real = globalThis.setTimeout;
  const handles: NodeJS.Timeout[] = [];
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    const handle = real(...args);
    handles.push(handle);
    return handle;
  }) as typeof setTimeout;
  try {
    return { result: fn(), handles };
  } finally {
    globalThis.setTimeout = real;
  }
}

const cleared = (handles: NodeJS.Timeout[]) => handles.every((h) => (h as unknown as { _destroyed: boolean })._destroyed);

test("waitFor resolves with the next event's arguments, and leaves nothing behind on any path", async (t) => {
  const { socket, serverSocket } = await connected(t);
  const controller = new AbortController();
  const happy = timersCreatedBy(() => socket.waitFor("news", { timeout: 60_000, signal: controller.signal }));
  assert.equal(happy.handles.length, 1);
  serverSocket.emit("news", "hello", 42);
  assert.deepEqual(await happy.result, ["hello", 42]);
  assert.equal(socket.listeners("news").length, 0);
  assert.equal(abortListeners(controller.signal), 0);
  assert.ok(cleared(happy.handles), "timer cleared");

  const late = timersCreatedBy(() => socket.waitFor("news", { timeout: 20, signal: controller.signal }));
  await assert.rejects(late.result, (e: unknown) => e instanceof TimeoutError && /news/.test((e as Error).message));
  assert.equal(socket.listeners("news").length, 0);
  assert.equal(abortListeners(controller.signal), 0);

  const cancelled = timersCreatedBy(() => socket.waitFor("news", { timeout: 60_000, signal: controller.signal }));
  controller.abort();
  await assert.rejects(cancelled.result, isAbort);
  assert.equal(socket.listeners("news").length, 0);
  assert.ok(cleared(cancelled.handles), "timer cleared on abort");
  await assert.rejects(socket.waitFor("news", { signal: controller.signal }), isAbort);
  assert.equal(socket.listeners("news").length, 0);

  // Reserved events too, and across a reconnection (a disconnection does not end the wait).
  const reconnected = socket.waitFor("connect", { timeout: 10_000 });
  serverSocket.conn.close();
  assert.deepEqual(await reconnected, []);
});
