// Proves that a half-open link (a proxy that stops relaying without closing anything) is detected by the
// heartbeat within pingInterval + pingTimeout (plus a margin for a loaded machine), that the client comes
// back by itself as soon as traffic flows again, and what happens to emits made into the silence:
// - without `retries`: error-first acknowledgements fail with an error at the disconnection (the emit itself
//   may be lost, as in socket.io-client: at-most-once);
// - with `retries`: each one is sent again after the reconnection and reaches the server.
// And the converse: a slow but live link (latency well under pingTimeout) never trips the heartbeat.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "../src/index";
import { startChildServer, type ChildServer } from "./helpers/child-server";
import { startProxy, type FaultProxy } from "./helpers/proxy";
import { once, waitFor } from "./helpers/wait";

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
/** Failure bound for detection beyond pingInterval + pingTimeout: timers on a shared, busy 2-core machine. */
const DETECTION_MARGIN = 4_000;

interface Rig {
  server: ChildServer;
  proxy: FaultProxy;
}

/**
 * The server runs in a child process: after a half-open polling session, engine.io keeps a 30 s timer of
 * its own (waiting to close a transport that cannot be written to); killing the process ends it.
 */
async function rig(t: TestContext, transport: "websocket" | "polling", pingTimeout = PING_TIMEOUT): Promise<Rig> {
  const server = await startChildServer(t, { pingInterval: PING_INTERVAL, pingTimeout, transports: [transport] });
  const proxy = await startProxy(t, server.port);
  return { server, proxy };
}

function client(t: TestContext, url: string, transport: "websocket" | "polling", extra: { retries?: number; ackTimeout?: number } = {}): Socket {
  const socket = io(url, {
    forceNew: true,
    transports: [transport],
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    // Attempts made into the blackhole hang: give each one up quickly so the next one can get through.
    timeout: 1_000,
    ...extra,
  });
  t.after(() => socket.disconnect());
  return socket;
}

/** Blackholes the link and resolves with the disconnect reason and how long detection took. */
async function silence(socket: Socket, proxy: FaultProxy): Promise<{ reason: string; elapsed: number }> {
  const lost = once<[string]>(socket, "disconnect", { timeoutMs: PING_INTERVAL + PING_TIMEOUT + DETECTION_MARGIN });
  const start = Date.now();
  proxy.blackhole();
  const [reason] = await lost;
  return { reason, elapsed: Date.now() - start };
}

for (const transport of ["websocket", "polling"] as const) {
  test(`half-open (${transport}), no retries: detected by the heartbeat, error-first acks fail, reconnects when traffic flows`, { timeout: 30_000 }, async (t) => {
    const { proxy } = await rig(t, transport);
    const socket = client(t, proxy.url, transport);
    let connects = 0;
    socket.on("connect", () => connects++);
    await once(socket, "connect");
    assert.equal(await socket.timeout(5_000).emitWithAck("record", "before"), "before");

    const detection = silence(socket, proxy);
    // Made into the silence: the socket still believes it is connected.
    assert.equal(socket.connected, true);
    const outcomes: Array<{ err: unknown; reply?: unknown }> = [];
    socket.timeout(60_000).emit("record", "silent-timeout", (err: unknown, reply?: unknown) => outcomes.push({ err, reply }));
    const withAck = socket.timeout(60_000).emitWithAck("record", "silent-promise").then(
      () => ({ err: null }),
      (err: unknown) => ({ err }),
    );

    const { reason, elapsed } = await detection;
    assert.equal(reason, "ping timeout");
    t.diagnostic(`half-open detected after ${elapsed} ms (pingInterval + pingTimeout = ${PING_INTERVAL + PING_TIMEOUT} ms)`);

    await waitFor(() => outcomes.length === 1, { what: "the error-first callback" });
    assert.ok(outcomes[0]?.err instanceof Error, "the callback got an error, not a reply");
    const promised = await withAck;
    assert.ok(promised.err instanceof Error, "emitWithAck rejected");

    // Attempts go out and hang in the blackhole; once it lifts, the client gets through on its own.
    await waitFor(() => proxy.accepted >= 2, { what: "a reconnection attempt into the blackhole" });
    const back = once(socket, "connect", { timeoutMs: 15_000 });
    proxy.resume();
    await back;
    assert.equal(connects, 2);
    assert.equal(await socket.timeout(5_000).emitWithAck("record", "after"), "after");
    assert.equal(outcomes.length, 1, "the callback was called once");
  });

  test(`half-open (${transport}), with retries: emits made into the silence are sent again after reconnecting`, { timeout: 30_000 }, async (t) => {
    const { proxy, server } = await rig(t, transport);
    const socket = client(t, proxy.url, transport, { retries: 5, ackTimeout: 10_000 });
    await once(socket, "connect");

    const detection = silence(socket, proxy);
    const replies: Array<{ value: string; err: unknown; reply: unknown }> = [];
    for (const value of ["silent-1", "silent-2", "silent-3"]) {
      socket.emit("record", value, (err: unknown, reply: unknown) => replies.push({ value, err, reply }));
    }
    const { reason } = await detection;
    assert.equal(reason, "ping timeout");
    assert.equal(replies.length, 0, "no retried emit is failed by the disconnection");

    await waitFor(() => proxy.accepted >= 2, { what: "a reconnection attempt into the blackhole" });
    proxy.resume();
    await waitFor(() => replies.length === 3, { timeoutMs: 20_000, what: "the three acknowledgements" });
    assert.deepEqual(
      replies.map(({ value, err, reply }) => ({ value, err, reply })),
      ["silent-1", "silent-2", "silent-3"].map((value) => ({ value, err: null, reply: value })),
    );
    // At least once, in order of first arrival.
    const received = server.records();
    const firsts = received.filter((value, index) => received.indexOf(value) === index);
    assert.deepEqual(firsts, ["silent-1", "silent-2", "silent-3"]);
    t.diagnostic(`server saw ${received.length} record(s) for 3 emits`);
  });
}

for (const transport of ["websocket", "polling"] as const) {
  test(`a slow link (${transport}, 50 ms each way) is not mistaken for a dead one: no ping timeout, emits in order`, { timeout: 30_000 }, async (t) => {
    // The server's own pong deadline gets room for the latency on a loaded 2-core machine: what this test
    // proves is that the client, whose deadline is pingInterval + pingTimeout, never mistakes slow for dead.
    const { proxy, server } = await rig(t, transport, 1_500);
    proxy.latency(50);
    const socket = client(t, proxy.url, transport);
    const disconnects: string[] = [];
    socket.on("disconnect", (reason) => disconnects.push(reason));
    await once(socket, "connect");
    let pings = 0;
    socket.io.on("ping", () => pings++);
    const replies: unknown[] = [];
    for (let i = 0; i < 20; i++) socket.emit("record", i, (value: unknown) => replies.push(value));
    // Five heartbeats through the slow link: each took longer than a fast link would, none was missed.
    await waitFor(() => pings >= 5 && replies.length === 20, { timeoutMs: 20_000, what: `5 pings (${pings}) and 20 replies (${replies.length})` });
    assert.deepEqual(disconnects, []);
    assert.deepEqual(replies, Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(server.records(), Array.from({ length: 20 }, (_, i) => i));
  });
}
