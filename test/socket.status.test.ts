// Proves socket.status and its status:change event against a real server: the exact sequence across connect,
// a connection the server kills, reconnection and disconnect(); no "reconnecting" when the Manager will not
// try; "disconnected" once reconnection attempts run out and when the server refuses; never from === to;
// the event name is reserved both ways.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";
import { io, SioError, type IoOptions, type Socket, type StatusChange } from "../src/index";

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, forceNew: true } as const;

function open(t: TestContext, url: string, opts: IoOptions = {}): { client: Socket; changes: StatusChange[] } {
  const client = io(url, { ...fast, autoConnect: false, ...opts });
  t.after(() => {
    client.disconnect();
    client.io.close();
  });
  const changes: StatusChange[] = [];
  client.on("status:change", (change) => {
    assert.notEqual(change.from, change.to, "a status change always changes something");
    assert.equal(client.status, change.to, "socket.status already reads the new status");
    changes.push(change);
  });
  return { client, changes };
}

const path = (changes: StatusChange[]) => changes.map((c) => `${c.from}>${c.to}`);

test("status follows connect → server kills the connection → reconnecting → connected → disconnect()", async (t) => {
  const server = await startServer(t);
  const { client, changes } = open(t, server.url);
  assert.equal(client.status, "disconnected");
  const first = once<[ServerSocket]>(server.io, "connection");
  client.connect();
  assert.equal(client.status, "connecting");
  const [serverSocket] = await first;
  await once(client, "connect");
  assert.equal(client.status, "connected");

  const second = once(server.io, "connection");
  const reconnecting = once(client, "status:change");
  serverSocket.conn.close();
  await reconnecting;
  assert.equal(client.status, "reconnecting");
  await second;
  if (!client.connected) await once(client, "connect");
  assert.equal(client.status, "connected");

  client.disconnect();
  assert.equal(client.status, "disconnected");
  assert.deepEqual(path(changes), [
    "disconnected>connecting",
    "connecting>connected",
    "connected>reconnecting",
    "reconnecting>connected",
    "connected>disconnected",
  ]);

  // connect() again after disconnect() is a fresh connection, not a reconnection.
  client.connect();
  await once(client, "connect");
  assert.deepEqual(path(changes).slice(5), ["disconnected>connecting", "connecting>connected"]);
});

test("with reconnection off, a lost connection goes straight to disconnected", async (t) => {
  const server = await startServer(t);
  const { client, changes } = open(t, server.url, { reconnection: false });
  const connection = once<[ServerSocket]>(server.io, "connection");
  client.connect();
  const [serverSocket] = await connection;
  if (!client.connected) await once(client, "connect");
  const disconnected = once(client, "disconnect");
  serverSocket.conn.close();
  await disconnected;
  assert.equal(client.status, "disconnected");
  assert.equal(client.active, true, "the socket still waits for a connect() of the user");
  assert.deepEqual(path(changes), ["disconnected>connecting", "connecting>connected", "connected>disconnected"]);
});

test("reconnecting stays reconnecting through failed attempts, then disconnected when they run out", async (t) => {
  const server = await startServer(t);
  const { client, changes } = open(t, server.url, { reconnectionAttempts: 3 });
  client.connect();
  await once(client, "connect");
  const failed = once(client.io, "reconnect_failed");
  let errors = 0;
  client.io.on("reconnect_error", () => errors++);
  await server.close();
  await failed;
  await waitFor(() => client.status === "disconnected", { what: "status disconnected" });
  assert.equal(errors, 3);
  assert.deepEqual(path(changes), [
    "disconnected>connecting",
    "connecting>connected",
    "connected>reconnecting",
    "reconnecting>disconnected",
  ]);
  // The user starts again: a fresh attempt.
  client.connect();
  assert.equal(client.status, "connecting");
});

test("a refusal by the server's middleware reads disconnected; server-side disconnect too", async (t) => {
  const server = await startServer(t);
  let refuse = true;
  server.io.use((_socket, next) => (refuse ? next(new Error("nope")) : next()));
  const { client, changes } = open(t, server.url);
  client.connect();
  await once(client, "connect_error");
  assert.equal(client.status, "disconnected");
  assert.deepEqual(path(changes), ["disconnected>connecting", "connecting>disconnected"]);

  refuse = false;
  const connection = once<[ServerSocket]>(server.io, "connection");
  client.connect();
  const [serverSocket] = await connection;
  if (!client.connected) await once(client, "connect");
  const disconnected = once(client, "disconnect");
  serverSocket.disconnect();
  await disconnected;
  assert.equal(client.status, "disconnected");
  assert.deepEqual(path(changes).slice(2), ["disconnected>connecting", "connecting>connected", "connected>disconnected"]);
});

test("manager.close() while connected reads disconnected; status:change is a reserved name both ways", async (t) => {
  const server = await startServer(t);
  const { client, changes } = open(t, server.url);
  const connection = once<[ServerSocket]>(server.io, "connection");
  client.connect();
  const [serverSocket] = await connection;
  if (!client.connected) await once(client, "connect");

  assert.throws(() => client.emit("status:change", {}), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG");
  assert.throws(() => client.emit("buffer:drop", {}), (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG");
  // A server event with that name never reaches status:change listeners.
  const echoed = once(client, "after");
  serverSocket.emit("status:change", { from: "x", to: "y" });
  serverSocket.emit("after");
  await echoed;
  assert.deepEqual(path(changes), ["disconnected>connecting", "connecting>connected"]);

  client.io.close();
  assert.equal(client.status, "disconnected");
  assert.deepEqual(path(changes).slice(2), ["connected>disconnected"]);
});

for (const stop of ["manager.close()", "manager.reconnection(false)"] as const) {
  test(`${stop} between reconnection attempts reads disconnected`, async (t) => {
    const server = await startServer(t);
    // A long delay keeps the Manager waiting between attempts while the test stops it.
    const { client, changes } = open(t, server.url, { reconnectionDelay: 60_000, reconnectionDelayMax: 60_000, randomizationFactor: 0 });
    const connection = once<[ServerSocket]>(server.io, "connection");
    client.connect();
    const [serverSocket] = await connection;
    if (!client.connected) await once(client, "connect");
    const reconnecting = once(client, "status:change");
    serverSocket.conn.close();
    await reconnecting;
    await waitFor(() => client.io.state === "reconnecting");
    assert.equal(client.status, "reconnecting");

    if (stop === "manager.close()") client.io.close();
    else client.io.reconnection(false);
    assert.equal(client.status, "disconnected");
    assert.deepEqual(path(changes).slice(-1), ["reconnecting>disconnected"]);
  });
}
