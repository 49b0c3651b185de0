// Upgrading a polling session to WebSocket against a real socket.io 4.8 server: the switch itself, ordering of
// writes made while it happens, failed and silent probes, upgrade: false, rememberUpgrade and close() mid-upgrade.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket as ServerSocket } from "socket.io";
import type { EngineSession } from "../src/engine/session";
import type { EngineCloseReason, TransportInfo } from "../src/engine/types";
import { TransportError } from "../src/errors";
import { connectNamespace, exchangeEventsAndBinary, Inbox, interceptUpgrades, openSession, sessionOnce } from "./helpers/fake-engine";
import { startServer, type TestServer } from "./helpers/server";
import { once } from "./helpers/wait";

const POLLING_FIRST = { transports: ["polling" as const, "websocket" as const] };

/**
 * A real server whose WebSocket requests wait until release(): the test can connect its namespace over polling
 * and set up its listeners before the probe is even answered.
 */
async function startGatedServer(t: Parameters<typeof startServer>[0]): Promise<{ srv: TestServer; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const srv = await startServer(t, {
    allowRequest(req, callback) {
      if (req.url?.includes("transport=websocket")) void gate.then(() => callback(null, true));
      else callback(null, true);
    },
  });
  t?.after(release);
  return { srv, release };
}

function upgraded(session: EngineSession): Promise<TransportInfo> {
  return sessionOnce(session, "upgrade").then(([transport]) => transport);
}

test("a polling session upgrades to WebSocket and keeps working", async (t) => {
  const srv = await startServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const events: string[] = [];
  const session = await openSession(t, srv.url, POLLING_FIRST);
  assert.equal(session.transport.name, "polling");
  session.on("upgrading", (transport) => events.push(`upgrading:${transport.name}`));
  session.on("upgrade", (transport) => events.push(`upgrade:${transport.name}`));
  session.on("upgradeError", (error) => events.push(`upgradeError:${error.message}`));
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  if ((session.transport as { name: string }).name !== "websocket") await upgraded(session);
  assert.deepEqual(events, ["upgrading:websocket", "upgrade:websocket"]);
  assert.equal(session.transport.name, "websocket");
  if (socket.conn.transport.name !== "websocket") await once(socket.conn, "upgrade");
  assert.equal(socket.conn.transport.name, "websocket");
  await exchangeEventsAndBinary(session, inbox, socket);
});

test("200 events written while the upgrade is in progress arrive once, in order", async (t) => {
  const { srv, release } = await startGatedServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING_FIRST);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const seen: number[] = [];
  const all = new Promise<void>((resolve) =>
    socket.on("n", (i: number) => {
      seen.push(i);
      if (seen.length === 200) resolve();
    }),
  );
  let next = 0;
  const flushedCallbacks: number[] = [];
  const writeSome = (count: number): void => {
    for (let k = 0; k < count && next < 200; k++, next++) {
      const i = next;
      session.write(`2["n",${i}]`, undefined, () => flushedCallbacks.push(i));
    }
  };
  const steps: string[] = [];
  // Interleave writes with every step: before the probe, on each packet, when upgrading starts, at the switch.
  session.on("packet", () => writeSome(3));
  session.on("upgrading", () => {
    steps.push("upgrading");
    writeSome(50);
  });
  session.on("upgrade", () => {
    steps.push("upgrade");
    writeSome(50);
  });
  writeSome(40);
  release();
  await upgraded(session);
  writeSome(200);
  await all;
  assert.deepEqual(steps, ["upgrading", "upgrade"]);
  assert.deepEqual(seen, Array.from({ length: 200 }, (_, i) => i));
  assert.equal(socket.conn.transport.name, "websocket");
  // Nothing arrives twice: a round trip through the server would show a duplicate.
  socket.emit("sync");
  await inbox.nextMatching((m) => m === '2["sync"]');
  assert.equal(seen.length, 200);
  assert.deepEqual(flushedCallbacks, Array.from({ length: 200 }, (_, i) => i));
});

test("a probe answered wrongly emits upgradeError and polling keeps working", async (t) => {
  const srv = await startServer(t);
  interceptUpgrades(srv.http, t, {
    onWebSocket(ws) {
      ws.on("message", (data) => {
        if (String(data) === "2probe") ws.send("3nope");
      });
    },
  });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING_FIRST);
  const upgradeError = sessionOnce(session, "upgradeError");
  let upgrading = false;
  session.on("upgrading", () => (upgrading = true));
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const [error] = await upgradeError;
  assert.ok(error instanceof TransportError);
  assert.match(error.message, /^probe error/);
  assert.equal(upgrading, false);
  assert.equal(session.transport.name, "polling");
  await exchangeEventsAndBinary(session, inbox, socket);
});

test("a probe WebSocket that closes right away emits upgradeError; polling keeps working", async (t) => {
  const srv = await startServer(t);
  interceptUpgrades(srv.http, t, { onWebSocket: (ws) => ws.close() });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING_FIRST);
  const upgradeError = sessionOnce(session, "upgradeError");
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  await upgradeError;
  socket.emit("after", "probe");
  assert.equal(await inbox.nextMatching((m) => m.startsWith("2")), '2["after","probe"]');
  assert.equal(session.readyState, "open");
});

test("a probe that never answers gives up after fallbackTimeout; polling keeps working", async (t) => {
  const srv = await startServer(t);
  interceptUpgrades(srv.http, t, { onWebSocket: () => {} });
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, { ...POLLING_FIRST, fallbackTimeout: 300 });
  const upgradeError = sessionOnce(session, "upgradeError");
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const [error] = await upgradeError;
  assert.match(error.message, /no answer within 300 ms/);
  socket.emit("after", "silence");
  assert.equal(await inbox.nextMatching((m) => m.startsWith("2")), '2["after","silence"]');
});

test("upgrade: false never probes", async (t) => {
  const srv = await startServer(t);
  const upgrades: string[] = [];
  srv.http.prependListener("upgrade", (req: { url?: string }) => upgrades.push(req.url ?? ""));
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, { ...POLLING_FIRST, upgrade: false });
  let upgrading = false;
  session.on("upgrading", () => (upgrading = true));
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  await exchangeEventsAndBinary(session, inbox, socket);
  assert.equal(upgrading, false);
  assert.deepEqual(upgrades, []);
  assert.equal(session.transport.name, "polling");
});

test("rememberUpgrade starts with WebSocket even when polling is listed first", async (t) => {
  const srv = await startServer(t);
  const session = await openSession(t, srv.url, { ...POLLING_FIRST, rememberUpgrade: true });
  assert.equal(session.transport.name, "websocket");
});

test("close() while the upgrade is in progress waits for it, flushes writes and closes once", async (t) => {
  const { srv, release } = await startGatedServer(t);
  const connected = once<[ServerSocket]>(srv.io, "connection");
  const session = await openSession(t, srv.url, POLLING_FIRST);
  const inbox = new Inbox(session);
  await connectNamespace(session, inbox);
  const [socket] = await connected;
  const seen: number[] = [];
  socket.on("n", (i: number) => seen.push(i));
  const serverReason = once<[string]>(socket, "disconnect");
  const events: string[] = [];
  session.on("close", (reason) => events.push(`close:${reason}`));
  session.on("upgrade", () => events.push("upgrade"));
  session.on("upgrading", () => {
    events.push("upgrading");
    for (let i = 0; i < 20; i++) session.write(`2["n",${i}]`);
    session.close();
    assert.equal(session.readyState, "closing");
  });
  release();
  const [reason] = await serverReason;
  assert.equal(reason, "transport close");
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(events, ["upgrading", "upgrade", "close:forced close"]);
});
