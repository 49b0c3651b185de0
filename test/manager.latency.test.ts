// Proves manager.latency against a real server that does nothing to help: undefined before any sample, then a
// finite positive number over WebSocket (handshake, then Node ping frames after the first message packet and at each heartbeat) and
// over polling (handshake, then each POST); the `latency` events on the engine (raw) and the Manager (smoothed).
// Only "finite and > 0" is asserted of the values: durations depend on the machine.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";
import { io, Manager, type Socket } from "../src/index";
import type { TransportName } from "../src/engine/types";

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

async function connected(socket: Socket): Promise<void> {
  if (!socket.connected) await once(socket, "connect");
}

function assertRtt(value: unknown, what: string): void {
  assert.equal(typeof value, "number", `${what} is a number`);
  assert.ok(Number.isFinite(value as number) && (value as number) > 0, `${what} is finite and positive: ${String(value)}`);
}

test("undefined before the first sample", () => {
  const manager = new Manager("http://127.0.0.1:1", { autoConnect: false });
  assert.equal(manager.latency, undefined);
});

for (const transport of ["websocket", "polling"] as const satisfies readonly TransportName[]) {
  test(`over ${transport} only: latency is a finite positive number once connected`, async (t) => {
    const server = await startServer(t);
    const client = track(t, io(server.url, { forceNew: true, transports: [transport] }));
    const samples: Array<[number, number]> = [];
    client.io.on("latency", (smoothed, sample) => samples.push([smoothed, sample]));
    await connected(client);
    assertRtt(client.io.latency, "manager.latency");
    // The handshake sample came in before the connection opened.
    assert.ok(samples.length >= 1);
    for (const [smoothed, sample] of samples) {
      assertRtt(smoothed, "the smoothed value");
      assertRtt(sample, "the sample");
    }
    assert.equal(samples.at(-1)![0], client.io.latency, "the event carries manager.latency");
  });
}

test("Node WebSocket: ping frames give samples after the CONNECT reply and at each server heartbeat, with no help from the server", async (t) => {
  // A short heartbeat so several heartbeats pass within the test's bounds.
  const server = await startServer(t, { pingInterval: 50, pingTimeout: 1000 });
  const client = track(t, io(server.url, { forceNew: true, transports: ["websocket"] }));
  const raw: number[] = [];
  client.io.on("open", () => client.io.engine.on("latency", (ms: number) => raw.push(ms)));
  const pings = { count: 0 };
  client.io.on("ping", () => pings.count++);
  await connected(client);
  // The ping frame sent after the CONNECT reply, then one per Engine.IO ping.
  await waitFor(() => raw.length >= 1 && pings.count >= 3 && raw.length >= 3, {
    what: "ping-frame samples after the CONNECT reply and at the heartbeats",
  });
  for (const ms of raw) assertRtt(ms, "a ping-frame sample");
  assertRtt(client.io.latency, "manager.latency");
});

test("Node WebSocket: the first ping frame leaves after the CONNECT reply, off connect's critical path", async (t) => {
  // Seen from the server's end of the WebSocket, in the order things happen there: the client's ping frames
  // and the packets the server writes. A ping before the CONNECT reply would cost the client a second write
  // before `connect` and could put the server's pong ahead of the reply.
  const server = await startServer(t, { pingInterval: 60_000, pingTimeout: 60_000 });
  const wire: string[] = [];
  server.io.engine.on("connection", (raw: { transport: { name: string; socket?: { on(e: "ping", f: () => void): void } }; on(e: "packetCreate", f: (p: { type: string; data?: unknown }) => void): void }) => {
    raw.on("packetCreate", (packet) => wire.push(`${packet.type} ${String(packet.data ?? "").slice(0, 2)}`.trim()));
    assert.equal(raw.transport.name, "websocket", "the connection starts on WebSocket");
    raw.transport.socket?.on("ping", () => wire.push("ping frame"));
  });
  const client = track(t, io(server.url, { forceNew: true, transports: ["websocket"] }));
  const sampled = once(client.io, "latency");
  await connected(client);
  await sampled;
  await waitFor(() => wire.includes("ping frame"), { what: "the client's first ping frame" });
  const reply = wire.indexOf("message 0{"); // the Socket.IO CONNECT packet, as the engine writes it
  assert.ok(reply >= 0, `the server wrote the CONNECT reply: ${wire.join(", ")}`);
  assert.ok(wire.indexOf("ping frame") > reply, `the first ping frame arrived after the CONNECT reply went out: ${wire.join(", ")}`);
});

test("polling: each POST gives a sample (the long-poll GET is not timed)", async (t) => {
  const server = await startServer(t, { pingInterval: 60_000, pingTimeout: 60_000 });
  server.io.on("connection", (s) => s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)));
  const client = track(t, io(server.url, { forceNew: true, transports: ["polling"] }));
  await connected(client);
  const before = client.io.latency;
  assertRtt(before, "manager.latency after the handshake");
  const raw: number[] = [];
  client.io.engine.on("latency", (ms: number) => raw.push(ms));
  // No heartbeat within the test (60 s interval): the GETs in flight meanwhile cannot be what gives samples.
  for (let i = 0; i < 3; i++) await client.timeout(10_000).emitWithAck("echo", i);
  // The ack travels on a GET, which may come back before the POST's own answer: wait for the third one.
  await waitFor(() => raw.length >= 3, { what: "a sample for each of the three POSTs" });
  assert.equal(raw.length, 3, "one sample per POST");
  for (const ms of raw) assertRtt(ms, "a POST sample");
  assertRtt(client.io.latency, "manager.latency");
});

test("latency carries over a reconnection and keeps being measured", async (t) => {
  const server = await startServer(t);
  const client = track(t, io(server.url, { forceNew: true, transports: ["polling"], reconnectionDelay: 10, reconnectionDelayMax: 20 }));
  await connected(client);
  const samples: number[] = [];
  client.io.on("latency", (_smoothed, sample) => samples.push(sample));
  const gone = once(client, "disconnect");
  client.io.engine.close();
  await gone;
  assertRtt(client.io.latency, "manager.latency while disconnected");
  await once(client.io, "reconnect");
  assert.ok(samples.length >= 1, "the new handshake was measured");
  assertRtt(client.io.latency, "manager.latency after reconnecting");
});
