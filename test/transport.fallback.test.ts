// Falling back from WebSocket to polling: refused, hanging and prematurely closed WebSockets give a working
// polling session with default options and no user-visible close; only the last transport's failure closes.

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import type { Socket as ServerSocket } from "socket.io";
import { EngineSession } from "../src/engine/session";
import type { EngineCloseReason } from "../src/engine/types";
import { TransportError } from "../src/errors";
import { connectNamespace, exchangeEventsAndBinary, Inbox, interceptUpgrades, openSession, sessionOnce } from "./helpers/fake-engine";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

/** A port nothing listens on (bound then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function watchFailures(session: EngineSession): { errors: unknown[]; closes: unknown[] } {
  const errors: unknown[] = [];
  const closes: unknown[] = [];
  session.on("error", (error) => errors.push(error));
  session.on("close", (reason) => closes.push(reason));
  return { errors, closes };
}

test("a server that refuses WebSocket still gives a working session with default options", async (t) => {
  const srv = await startServer(t, { transports: ["polling"] });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = new EngineSession(srv.url, { path: "/socket.io" });
  t.after(() => session.close());
  const { errors, closes } = watchFailures(session);
  const opened = sessionOnce(session, "open");
  session.open();
  assert.equal(session.transport.name, "websocket", "WebSocket is tried first by default");
  await opened;
  assert.equal(session.transport.name, "polling");
  assert.deepEqual(errors, []);
  assert.deepEqual(closes, []);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  await exchangeEventsAndBinary(session, inbox, socket);
});

test("a WebSocket upgrade request that hangs falls back to polling after fallbackTimeout", async (t) => {
  const srv = await startServer(t);
  const requests: string[] = [];
  interceptUpgrades(srv.http, t, { upgrade: "hang", requests });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, { fallbackTimeout: 300 });
  const { errors, closes } = watchFailures(session);
  assert.equal(session.transport.name, "polling");
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  await exchangeEventsAndBinary(session, inbox, socket);
  assert.equal(requests.length, 1, "a WebSocket that failed to open is not probed again");
  assert.deepEqual(errors, []);
  assert.deepEqual(closes, []);
});

test("a WebSocket accepted then closed before the handshake falls back to polling at once", async (t) => {
  const srv = await startServer(t);
  interceptUpgrades(srv.http, t, { onWebSocket: (ws) => ws.close(1011, "go away") });
  // A fallback timeout far beyond the test bound proves the close itself triggered the fallback.
  const session = await openSession(t, srv.url, { fallbackTimeout: 600_000 }, { timeoutMs: 20_000 });
  assert.equal(session.transport.name, "polling");
});

test("a WebSocket that opens but never sends the open packet falls back after fallbackTimeout", async (t) => {
  const srv = await startServer(t);
  interceptUpgrades(srv.http, t, { onWebSocket: () => {} });
  const session = await openSession(t, srv.url, { fallbackTimeout: 300 });
  assert.equal(session.transport.name, "polling");
});

test("when every transport fails: one error (the last one's) and one close with \"transport error\"", async (t) => {
  const port = await deadPort();
  const session = new EngineSession(`http://127.0.0.1:${port}`, { path: "/socket.io" });
  const { errors, closes } = watchFailures(session);
  const closed = sessionOnce(session, "close");
  session.open();
  const [reason, details] = await closed;
  assert.equal(reason, "transport error");
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TransportError);
  assert.equal((errors[0] as TransportError).message, "xhr poll error");
  assert.equal(details, errors[0]);
  assert.deepEqual(closes, ["transport error"]);
  assert.equal(session.transport.name, "polling");
});

test("WebSocket only against a polling-only server: \"websocket error\", then \"transport error\"", async (t) => {
  const srv = await startServer(t, { transports: ["polling"] });
  const session = new EngineSession(srv.url, { path: "/socket.io", transports: ["websocket"] });
  const { errors, closes } = watchFailures(session);
  const closed = sessionOnce(session, "close");
  session.open();
  const [reason] = await closed;
  assert.equal(reason, "transport error");
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as TransportError).message, "websocket error");
  assert.deepEqual(closes, ["transport error"]);
});

test("polling only against a hanging WebSocket server never touches WebSocket", async (t) => {
  const srv = await startServer(t);
  const requests: string[] = [];
  interceptUpgrades(srv.http, t, { upgrade: "hang", requests });
  const session = await openSession(t, srv.url, { transports: ["polling"] });
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox); // a round trip, time enough for a probe to show up
  assert.equal(session.transport.name, "polling");
  assert.deepEqual(requests, []);
});
