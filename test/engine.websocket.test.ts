// The Engine session over WebSocket against a real socket.io 4.8 server: handshake, Socket.IO traffic by hand,
// heartbeat, ping timeout, write buffering and every way the session can close.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket as ServerSocket } from "socket.io";
import { EngineSession } from "../src/engine/session";
import type { EngineCloseReason } from "../src/engine/types";
import { SioError } from "../src/errors";
import { connectNamespace, exchangeEventsAndBinary, Inbox, openSession, sessionOnce } from "./helpers/fake-engine";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

const WS = { transports: ["websocket" as const] };

function recordCloses(session: EngineSession): Array<[EngineCloseReason, unknown]> {
  const closes: Array<[EngineCloseReason, unknown]> = [];
  session.on("close", (reason, details) => closes.push([reason, details]));
  return closes;
}

test("handshake over WebSocket, then a namespace CONNECT", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const handshakes: unknown[] = [];
  const session = new EngineSession(srv.url, { path: "/socket.io", ...WS });
  t.after(() => session.close());
  session.on("handshake", (data) => handshakes.push(data));
  assert.equal(session.readyState, "opening");
  assert.equal(session.id, null);
  const opened = sessionOnce(session, "open");
  session.open();
  await opened;

  assert.equal(session.readyState, "open");
  assert.equal(session.transport.name, "websocket");
  assert.equal(typeof session.id, "string");
  assert.equal(handshakes.length, 1);
  assert.deepEqual(Object.keys(handshakes[0] as object).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
  assert.deepEqual((handshakes[0] as { upgrades: unknown }).upgrades, []);

  const inbox = new Inbox(session);
  const nspSid = await connectNamespace(session, inbox);
  const [socket] = await connected;
  assert.equal(socket.id, nspSid);
  assert.equal((socket.conn as unknown as { id: string }).id, session.id);
  assert.equal(socket.conn.transport.name, "websocket");
});

test("events, acks and binary both ways over WebSocket", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, WS);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  await exchangeEventsAndBinary(session, inbox, socket);
  assert.equal(session.readyState, "open");
});

test("forceBase64 sends binary as base64 text frames the server still decodes", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, { ...WS, forceBase64: true });
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const frames: Array<[string, boolean]> = [];
  const raw = (socket.conn.transport as unknown as { socket: import("ws").WebSocket }).socket;
  raw.on("message", (data: Buffer, isBinary: boolean) => frames.push([data.toString(), isBinary]));
  const received = new Promise<unknown>((resolve) => socket.once("bin", resolve));
  session.write('51-["bin",{"_placeholder":true,"num":0}]');
  session.write(new Uint8Array([9, 8, 7]));
  assert.deepEqual([...((await received) as Buffer)], [9, 8, 7]);
  assert.deepEqual(frames.at(-1), ["bCQgH", false], "the attachment travelled as base64 text");
});

test("binaryType arraybuffer delivers received binary as ArrayBuffer", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, { ...WS, binaryType: "arraybuffer" });
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  socket.emit("bin", Buffer.from([1, 2]));
  await inbox.nextMatching((m) => m.startsWith("5"));
  const attachment = await inbox.next();
  assert.ok(attachment instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(attachment)], [1, 2]);
});

test("the heartbeat keeps the session open over many ping intervals", async (t) => {
  const srv = await startServer(t, { pingInterval: 100, pingTimeout: 200 });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, WS);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const closes = recordCloses(session);
  const created: string[] = [];
  session.on("packetCreate", (packet) => created.push(packet.type));
  let pings = 0;
  let heartbeats = 0;
  session.on("heartbeat", () => heartbeats++);
  await new Promise<void>((resolve) =>
    session.on("ping", () => {
      if (++pings === 6) resolve();
    }),
  );
  assert.equal(session.readyState, "open");
  assert.equal(socket.connected, true);
  assert.deepEqual(closes, []);
  assert.ok(heartbeats >= pings);
  assert.ok(created.filter((type) => type === "pong").length >= 5, "a pong was queued for each ping");
  // Still usable after all those pings.
  socket.emit("still", "here");
  assert.equal(await inbox.nextMatching((m) => m.startsWith("2")), '2["still","here"]');
});

test("a server that stops pinging is detected: close with \"ping timeout\"", async (t) => {
  const srv = await startServer(t, { pingInterval: 100, pingTimeout: 100 });
  srv.io.engine.on("connection", (conn: { pingIntervalTimer?: NodeJS.Timeout; schedulePing(): void }) => {
    clearTimeout(conn.pingIntervalTimer);
    conn.schedulePing = () => {};
  });
  const session = await openSession(t, srv.url, WS);
  const closes = recordCloses(session);
  const [reason] = await sessionOnce(session, "close");
  assert.equal(reason, "ping timeout");
  assert.equal(session.readyState, "closed");
  assert.equal(session.id, null);
  assert.equal(session.hasPingExpired(), false, "a closed session has no deadline left");
  assert.equal(closes.length, 1);
});

test("writes made before open are flushed in order after the handshake; callbacks and drain fire", async (t) => {
  const srv = await startServer(t);
  srv.io.of("/a");
  srv.io.of("/b");
  const seen: unknown[] = [];
  srv.io.engine.on("connection", (conn: { on(event: "message", fn: (data: unknown) => void): void }) =>
    conn.on("message", (data) => seen.push(data)),
  );
  const session = new EngineSession(srv.url, { path: "/socket.io", ...WS });
  t.after(() => session.close());
  const inbox = new Inbox(session);
  const calls: number[] = [];
  // Namespace CONNECTs are the only Socket.IO packets a server accepts before answering one.
  session.write("0", undefined, () => calls.push(0));
  session.write("0/a,", {}, () => calls.push(1));
  session.send("0/b,", { compress: false }, () => calls.push(2));
  assert.deepEqual(calls, [], "nothing is handed to a transport before the handshake");
  const drained = sessionOnce(session, "drain");
  session.open();
  await drained;
  assert.deepEqual(calls, [0, 1, 2]);
  const answers = [await inbox.next(), await inbox.next(), await inbox.next()].map((m) => String(m).replace(/\{.*$/, ""));
  assert.deepEqual(answers.sort(), ["0", "0/a,", "0/b,"]);
  assert.deepEqual(seen, ["0", "0/a,", "0/b,"]);
});

test("close() flushes pending writes first, closes once with \"forced close\"; the server sees a transport close", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, WS);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const seen: number[] = [];
  socket.on("n", (i: number) => seen.push(i));
  const serverReason = once<[string]>(socket, "disconnect");
  const closes = recordCloses(session);
  for (let i = 0; i < 50; i++) session.write(`2["n",${i}]`);
  session.close();
  assert.equal(session.readyState, "closing");
  assert.throws(() => session.write("2[\"late\"]"), (error: unknown) => error instanceof SioError && error.code === "ERR_INVALID_STATE");
  session.close(); // idempotent
  const [reason] = await serverReason;
  assert.equal(reason, "transport close");
  assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(closes, [["forced close", undefined]]);
  assert.equal(session.readyState, "closed");
});

test("a server-side disconnect closes the session with \"transport close\"", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, WS);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const closed = sessionOnce(session, "close");
  socket.disconnect(true);
  const [reason, details] = await closed;
  assert.equal(reason, "transport close");
  assert.equal((details as { description: string }).description, "websocket connection closed");
  assert.equal(inbox.all.at(-1), "1", "the Socket.IO DISCONNECT arrived before the close");
});

test("the session rejects misuse with typed errors", async (t) => {
  assert.throws(() => new EngineSession("ftp://example.com"), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG");
  assert.throws(() => new EngineSession("not a url"), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG");
  assert.throws(
    () => new EngineSession("http://localhost", { transports: [] }),
    (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG",
  );
  assert.throws(
    () => new EngineSession("http://localhost", { transports: ["carrier-pigeon" as "polling"] }),
    (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG",
  );
  assert.throws(
    () => new EngineSession("http://localhost", { fallbackTimeout: -1 }),
    (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG",
  );

  const srv = await startServer(t);
  const session = await openSession(t, srv.url, WS);
  assert.throws(() => session.open(), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_STATE");
  assert.throws(() => session.write(42 as unknown as string), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG");
  session.close(); // nothing pending: closes synchronously
  assert.equal(session.readyState, "closed");
  assert.throws(() => session.write("x"), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_STATE");
});

test("close() before open() or during the handshake closes at once, exactly once", async (t) => {
  const idle = new EngineSession("http://127.0.0.1:9", WS);
  const idleCloses = recordCloses(idle);
  idle.close();
  idle.close();
  assert.deepEqual(idleCloses, [["forced close", undefined]]);
  assert.throws(() => idle.open(), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_STATE");

  const srv = await startServer(t);
  const session = new EngineSession(srv.url, { path: "/socket.io", ...WS });
  const closes = recordCloses(session);
  let opened = false;
  session.on("open", () => (opened = true));
  session.open();
  session.close();
  assert.deepEqual(closes, [["forced close", undefined]]);
  assert.equal(opened, false);
});

test("a wall-clock ping deadline that passed closes the session even if its timer never fired", async (t) => {
  const srv = await startServer(t, { pingInterval: 10_000, pingTimeout: 5_000 });
  const session = await openSession(t, srv.url, WS);
  const closes = recordCloses(session);
  assert.equal(session.hasPingExpired(), false);
  const realNow = Date.now;
  t.mock.method(Date, "now", () => realNow() + 60_000);
  assert.throws(() => session.write("2[\"x\"]"), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_STATE");
  assert.deepEqual(closes, [["ping timeout", undefined]]);

  t.mock.restoreAll();
  const other = await openSession(t, srv.url, WS);
  const otherCloses = recordCloses(other);
  t.mock.method(Date, "now", () => realNow() + 60_000);
  assert.equal(other.hasPingExpired(), true);
  const [reason] = await sessionOnce(other, "close");
  assert.equal(reason, "ping timeout");
  assert.equal(otherCloses.length, 1);
});
