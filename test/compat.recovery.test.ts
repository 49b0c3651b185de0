// Drop-in proof, connection state recovery: after a short outage the client gets its session back (same id,
// same rooms, `recovered` true) and the events it missed, as socket.io-client does.

import assert from "node:assert/strict";
import { once } from "./helpers/wait";
import { clientTest, closeConnection, connected, nextConnection, roundTrip, startPair } from "./helpers/clients";

const recovery = { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true } };
const fastRetry = { reconnectionDelay: 20, reconnectionDelayMax: 50 };

clientTest("after a transport close the session is recovered with the missed events", async (t, lib) => {
  const { server, client, serverSocket } = await startPair(t, lib, {
    serverOpts: recovery,
    clientOpts: fastRetry,
    onServer: (s) => s.io.on("connection", (sock) => sock.join("news")),
  });
  assert.equal(client.recovered, false, "a first connection is not a recovery");
  // Recovery needs an offset: the client must have received at least one event.
  const seen: number[] = [];
  client.on("news", (n: number) => seen.push(n));
  server.io.to("news").emit("news", 0);
  await roundTrip(client, serverSocket);
  assert.deepEqual(seen, [0]);

  const firstId = client.id;
  const serverGone = once<[string]>(serverSocket, "disconnect");
  const clientGone = once<[string]>(client, "disconnect");
  const back = nextConnection(server.io.of("/"));
  await closeConnection(serverSocket);
  await serverGone;
  // Emitted while the client is away: kept by the server for the session.
  server.io.to("news").emit("news", 1);
  server.io.emit("news", 2);
  assert.equal((await clientGone)[0], "transport close");

  const [recovered] = await Promise.all([back, connected(client)]);
  assert.equal(client.recovered, true);
  assert.equal(client.id, firstId, "same id");
  assert.equal(recovered.id, firstId);
  assert.equal(recovered.recovered, true);
  assert.ok(recovered.rooms.has("news"), "rooms restored");
  await roundTrip(client, recovered);
  assert.deepEqual(seen, [0, 1, 2], "missed events delivered once, in order");

  // And it keeps working afterwards.
  server.io.to("news").emit("news", 3);
  await roundTrip(client, recovered);
  assert.deepEqual(seen, [0, 1, 2, 3]);
});

clientTest("without anything received yet, the reconnection is a new session", async (t, lib) => {
  const { server, client, serverSocket } = await startPair(t, lib, { serverOpts: recovery, clientOpts: fastRetry });
  const firstId = client.id;
  const back = nextConnection(server.io.of("/"));
  await closeConnection(serverSocket);
  const [again] = await Promise.all([back, once(client, "connect")]);
  assert.equal(client.recovered, false);
  assert.notEqual(client.id, firstId);
  assert.equal(client.id, again.id);
});

clientTest("a manual disconnect and connect() is not recovered", async (t, lib) => {
  const { server, client, serverSocket } = await startPair(t, lib, { serverOpts: recovery, clientOpts: fastRetry });
  const got = once(client, "hello");
  serverSocket.emit("hello");
  await got;
  const firstId = client.id;
  const serverGone = once(serverSocket, "disconnect");
  client.disconnect();
  await serverGone;
  const back = nextConnection(server.io.of("/"));
  client.connect();
  const [again] = await Promise.all([back, connected(client)]);
  assert.equal(client.recovered, false, "the server drops the session of a client that left on purpose");
  assert.notEqual(client.id, firstId);
  assert.equal(client.id, again.id);
});
