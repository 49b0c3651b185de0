// Proves socket.ping() against a real server: it resolves with a round-trip time through an echo handler
// (default and custom event names), rejects with a TimeoutError when no handler answers, with an AbortError
// on abort, and with ERR_INVALID_STATE while not connected (nothing buffered for later).

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { AbortError, io, SioError, TimeoutError, type IoOptions, type Socket } from "../src/index";

async function connected(t: TestContext, opts: IoOptions = {}): Promise<{ socket: Socket; serverSocket: ServerSocket }> {
  const server = await startServer(t);
  const connection = once<[ServerSocket]>(server.io, "connection");
  const socket = io(server.url, { forceNew: true, ...opts });
  t.after(() => {
    socket.disconnect();
  });
  const [serverSocket] = await connection;
  if (!socket.connected) await once(socket, "connect");
  return { socket, serverSocket };
}

test("ping resolves with the round-trip time through the server's echo handler", async (t) => {
  const { socket, serverSocket } = await connected(t);
  let pings = 0;
  serverSocket.on("ping", (ack: () => void) => {
    pings++;
    ack();
  });
  serverSocket.on("rtt", (ack: () => void) => ack());
  const ms = await socket.ping();
  assert.equal(typeof ms, "number");
  assert.ok(Number.isFinite(ms) && ms >= 0, `a duration: ${ms}`);
  assert.equal(pings, 1);
  const custom = await socket.ping("rtt", { timeout: 10_000 });
  assert.ok(custom >= 0);
  assert.equal(pings, 1, "the custom event went to its own handler");
});

test("ping rejects with a TimeoutError when nothing answers (its timeout, else ackTimeout)", async (t) => {
  const { socket } = await connected(t, { ackTimeout: 40 });
  await assert.rejects(socket.ping("ping", { timeout: 20 }), (e: unknown) => e instanceof TimeoutError);
  await assert.rejects(socket.ping(), (e: unknown) => e instanceof TimeoutError);
});

test("ping rejects on abort, and at once while not connected", async (t) => {
  const { socket } = await connected(t);
  const controller = new AbortController();
  const pending = socket.ping("ping", { signal: controller.signal, timeout: 60_000 });
  controller.abort();
  await assert.rejects(pending, (e: unknown) => e instanceof AbortError);
  socket.disconnect();
  await assert.rejects(socket.ping(), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_STATE");
  assert.equal(socket.sendBuffer.length, 0, "a ping is never buffered");
});
