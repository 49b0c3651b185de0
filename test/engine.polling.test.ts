// The Engine session over HTTP long-polling against a real socket.io 4.8 server: handshake, Socket.IO traffic,
// heartbeat, request URLs, POST batches cut at maxPayload, HTTP errors and close reasons.

import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import type { Socket as ServerSocket } from "socket.io";
import { EngineSession } from "../src/engine/session";
import type { EngineCloseReason } from "../src/engine/types";
import { TransportError } from "../src/errors";
import {
  connectNamespace,
  exchangeEventsAndBinary,
  Inbox,
  openPacket,
  openSession,
  startFakeEngine,
  sessionOnce,
} from "./helpers/fake-engine";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

const POLLING = { transports: ["polling" as const] };

test("handshake, namespace, events, acks and binary both ways over polling", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING);
  assert.equal(session.transport.name, "polling");
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  assert.equal(socket.conn.transport.name, "polling");
  assert.equal((socket.conn as unknown as { id: string }).id, session.id);
  await exchangeEventsAndBinary(session, inbox, socket);
});

test("polling requests carry EIO=4, the transport, the sid once known and a fresh cache-busting t", async (t) => {
  const srv = await startServer(t);
  const urls: URL[] = [];
  srv.http.prependListener("request", (req: IncomingMessage) => urls.push(new URL(req.url ?? "", srv.url)));
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, { ...POLLING, query: { token: "a b&c" } });
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  await connected;

  assert.ok(urls.length >= 3, `only ${urls.length} requests seen`);
  for (const url of urls) {
    assert.equal(url.pathname, "/socket.io/");
    assert.equal(url.searchParams.get("EIO"), "4");
    assert.equal(url.searchParams.get("transport"), "polling");
    assert.equal(url.searchParams.get("token"), "a b&c");
    assert.ok(url.searchParams.get("t"), "every request has a cache-busting parameter");
  }
  assert.equal(urls[0].searchParams.get("sid"), null, "the handshake request has no sid");
  for (const url of urls.slice(1)) assert.equal(url.searchParams.get("sid"), session.id);
  const stamps = urls.map((url) => url.searchParams.get("t"));
  assert.equal(new Set(stamps).size, stamps.length, "cache-busting values never repeat");
});

test("the heartbeat keeps a polling session open over many ping intervals", async (t) => {
  const srv = await startServer(t, { pingInterval: 100, pingTimeout: 200 });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  let closed = false;
  session.on("close", () => (closed = true));
  let pings = 0;
  await new Promise<void>((resolve) =>
    session.on("ping", () => {
      if (++pings === 6) resolve();
    }),
  );
  assert.equal(closed, false);
  assert.equal(socket.connected, true);
  socket.emit("still", 1);
  assert.equal(await inbox.nextMatching((m) => m.startsWith("2")), '2["still",1]');
});

test("POST batches are cut at the server's maxPayload without losing or reordering packets", async (t) => {
  const srv = await startServer(t, { maxHttpBufferSize: 1000 });
  const postSizes: number[] = [];
  srv.http.prependListener("request", (req: IncomingMessage) => {
    if (req.method === "POST") postSizes.push(Number(req.headers["content-length"]));
  });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const seen: number[] = [];
  const all = new Promise<void>((resolve) =>
    socket.on("n", (i: number) => {
      seen.push(i);
      if (seen.length === 120) resolve();
    }),
  );
  const padding = "é".repeat(40); // two bytes each in UTF-8: the limit is in bytes, not characters
  const before = postSizes.length;
  for (let i = 0; i < 120; i++) session.write(`2["n",${i},"${padding}"]`);
  await all;
  assert.deepEqual(seen, Array.from({ length: 120 }, (_, i) => i));
  const sizes = postSizes.slice(before);
  assert.ok(sizes.length > 10, `expected many POSTs, got ${sizes.length}`);
  for (const size of sizes) assert.ok(size <= 1000, `a POST of ${size} bytes exceeds maxPayload`);
  assert.equal(session.readyState, "open");
});

test("a packet larger than maxPayload goes alone; the server's 413 closes with \"transport error\"", async (t) => {
  const srv = await startServer(t, { maxHttpBufferSize: 500 });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const seen: string[] = [];
  socket.on("small", (s: string) => seen.push(s));
  const errors: unknown[] = [];
  session.on("error", (error) => errors.push(error));
  const closed = sessionOnce(session, "close");
  const delivered = new Promise<void>((resolve) => socket.on("small", () => seen.length === 2 && resolve()));
  session.write('2["small","a"]');
  session.write('2["small","b"]');
  session.write(`2["big","${"x".repeat(800)}"]`);
  const [reason, details] = await closed;
  await delivered;
  assert.equal(reason, "transport error");
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TransportError);
  assert.equal((errors[0] as TransportError).message, "xhr post error");
  assert.equal((errors[0] as TransportError).description, 413);
  assert.equal(details, errors[0]);
  assert.deepEqual(seen, ["a", "b"], "the packets before the oversized one were delivered");
});

test("a non-200 answer to a poll closes with \"transport error\" (xhr poll error)", async (t) => {
  const fake = await startFakeEngine(t, {
    onHttp(req, res) {
      const url = new URL(req.url ?? "", "http://x");
      if (req.method === "GET" && !url.searchParams.has("sid")) res.writeHead(200).end(openPacket());
      else res.writeHead(503).end("unavailable");
    },
  });
  const session = new EngineSession(fake.url, POLLING);
  const errors: unknown[] = [];
  session.on("error", (error) => errors.push(error));
  const closes: unknown[] = [];
  session.on("close", (...args) => closes.push(args));
  const closed = sessionOnce(session, "close");
  session.open();
  const [reason] = await closed;
  assert.equal(reason, "transport error");
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TransportError);
  assert.equal((errors[0] as TransportError).message, "xhr poll error");
  assert.equal((errors[0] as TransportError).description, 503);
  assert.equal(closes.length, 1);
});

test("a server-side disconnect over polling (close packet) closes with \"transport close\"", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const closed = sessionOnce(session, "close");
  socket.disconnect(true);
  const [reason] = await closed;
  assert.equal(reason, "transport close");
  assert.equal(session.readyState, "closed");
});

test("close() over polling flushes writes, sends a close packet: the server sees \"transport close\"", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const seen: number[] = [];
  socket.on("n", (i: number) => seen.push(i));
  const serverReason = once<[string]>(socket, "disconnect");
  const closes: unknown[] = [];
  session.on("close", (reason) => closes.push(reason));
  for (let i = 0; i < 30; i++) session.write(`2["n",${i}]`);
  session.close();
  const [reason] = await serverReason;
  assert.equal(reason, "transport close");
  assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i));
  assert.deepEqual(closes, ["forced close"]);
});
