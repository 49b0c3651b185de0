// Proves connection state recovery against a socket.io server with `connectionStateRecovery`: the CONNECT
// packet carries pid and offset (with the auth fields), the session comes back with the same id, rooms kept,
// `recovered === true`, and the events broadcast meanwhile are replayed.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { io, type Socket } from "../src/index";

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

const recovery = { connectionStateRecovery: { maxDisconnectionDuration: 10_000, skipMiddlewares: true } };

test("a dropped connection is recovered: same id, missed broadcasts replayed, recovered === true", async (t) => {
  const server = await startServer(t, recovery);
  const handshakes: unknown[] = [];
  server.io.use((s, next) => {
    handshakes.push(s.handshake.auth);
    next();
  });
  server.io.on("connection", (s) => {
    if (!s.recovered) s.join("room");
  });
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  const client = track(t, io(server.url, { forceNew: true, reconnectionDelay: 20, reconnectionDelayMax: 40, auth: { user: "ann" } }));
  const [first] = await serverSide;
  if (!client.connected) await once(client, "connect");
  assert.equal(client.recovered, false);
  const firstId = client.id;

  const received: number[] = [];
  client.on("tick", (n: number) => received.push(n));
  // A broadcast gives the client an offset to resume from.
  const firstTick = once(client, "tick");
  server.io.to("room").emit("tick", 0);
  await firstTick;

  const gone = once(client, "disconnect");
  first.conn.close();
  await gone;
  // Broadcast while the client is away: kept by the server for the recovery.
  server.io.to("room").emit("tick", 1);
  server.io.to("room").emit("tick", 2);

  const recoveredServerSide = once<[ServerSocket]>(server.io, "connection");
  await once(client, "connect");
  const [second] = await recoveredServerSide;
  assert.equal(client.recovered, true);
  assert.equal(second.recovered, true);
  assert.equal(client.id, firstId);
  assert.ok(second.rooms.has("room"), "rooms came back with the session");
  if (received.length < 3) await new Promise<void>((resolve) => client.on("tick", () => received.length === 3 && resolve()));
  assert.deepEqual(received, [0, 1, 2]);
  // With skipMiddlewares the recovered handshake skipped the middleware; the first one saw the auth.
  assert.deepEqual(handshakes[0], { user: "ann" });
});

test("the CONNECT packet carries pid and offset merged with auth; an unknown session is not recovered", async (t) => {
  const server = await startServer(t, recovery);
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  const client = track(t, io(server.url, { forceNew: true, reconnectionDelay: 20, reconnectionDelayMax: 40, auth: { user: "bob" } }));
  const [first] = await serverSide;
  if (!client.connected) await once(client, "connect");
  const tick = once(client, "tick");
  server.io.emit("tick", 1);
  await tick;

  // Restart the server's memory of sessions: a fresh server on the same port knows no pid.
  const gone = once(client, "disconnect");
  await server.close();
  await gone;
  const fresh = await startServer(t, { ...recovery, port: server.port });
  // What the client sends, as the server's Engine.IO layer receives it: "0" + JSON for a CONNECT.
  const connectPackets: string[] = [];
  fresh.io.engine.on("connection", (conn: { on(ev: "message", fn: (data: unknown) => void): void }) => {
    conn.on("message", (data) => {
      if (typeof data === "string" && data.startsWith("0")) connectPackets.push(data);
    });
  });
  const freshSide = once<[ServerSocket]>(fresh.io, "connection");
  await once(client, "connect");
  const [second] = await freshSide;
  assert.equal(connectPackets.length, 1);
  const payload = JSON.parse(connectPackets[0]?.slice(1) ?? "null") as Record<string, unknown>;
  assert.equal(typeof payload.pid, "string");
  assert.equal(typeof payload.offset, "string");
  assert.equal(payload.user, "bob");
  assert.deepEqual(second.handshake.auth, payload, "the server sees the merged payload as handshake.auth");
  assert.equal(client.recovered, false);
  assert.equal(second.recovered, false);
  assert.notEqual(client.id, first.id);
});
