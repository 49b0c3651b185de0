// Drop-in proof, disconnect reasons: "io client disconnect", "io server disconnect", "transport close" and
// "ping timeout" are reported, and followed (or not) by reconnection, as socket.io-client does.

import assert from "node:assert/strict";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { startProxy } from "./fixtures/proxy";
import {
  clientTest,
  closeConnection,
  connected,
  expectNoEvent,
  loose,
  nextConnection,
  roundTrip,
  startPair,
  track,
  upgraded,
} from "./helpers/clients";

const fastRetry = { reconnectionDelay: 1, reconnectionDelayMax: 5, randomizationFactor: 0 };

clientTest('socket.disconnect() → "io client disconnect"; the server sees the client leave', async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: fastRetry });
  const serverGone = once<[string]>(serverSocket, "disconnect");
  const clientGone = once<[string]>(client, "disconnect");
  client.disconnect();
  assert.equal((await clientGone)[0], "io client disconnect");
  assert.equal((await serverGone)[0], "client namespace disconnect");
  assert.equal(client.active, false);
  await expectNoEvent(loose(client.io), "reconnect_attempt", 200);
});

clientTest('server socket.disconnect(true) → "io server disconnect", no auto-reconnect', async (t, lib) => {
  const { server, client, serverSocket } = await startPair(t, lib, { clientOpts: fastRetry });
  await upgraded(serverSocket);
  const gone = once<[string]>(client, "disconnect");
  serverSocket.disconnect(true);
  assert.equal((await gone)[0], "io server disconnect");
  assert.equal(client.connected, false);
  assert.equal(client.active, false, "a socket the server dismissed does not come back by itself");
  // With 1-5 ms reconnection delays, a wrong retry would show up well within these windows.
  await Promise.all([
    expectNoEvent(server.io, "connection", 300),
    expectNoEvent(loose(client.io), "reconnect_attempt", 300),
    expectNoEvent(client, "connect", 300),
  ]);
  // It can be reconnected by hand.
  const again = nextConnection(server.io.of("/"));
  client.connect();
  const [serverSocket2] = await Promise.all([again, connected(client)]);
  assert.equal(client.id, serverSocket2.id);
});

clientTest('server socket.disconnect() (namespace only) → "io server disconnect"', async (t, lib) => {
  const { server, client, serverSocket } = await startPair(t, lib, { clientOpts: fastRetry });
  const gone = once<[string]>(client, "disconnect");
  serverSocket.disconnect();
  assert.equal((await gone)[0], "io server disconnect");
  assert.equal(client.active, false);
  await expectNoEvent(server.io, "connection", 200);
});

clientTest('server closes the engine connection → "transport close", then reconnects by itself', async (t, lib) => {
  const { server, client, serverSocket } = await startPair(t, lib, { clientOpts: fastRetry });
  const firstId = client.id;
  const gone = once<[string]>(client, "disconnect");
  const back = nextConnection(server.io.of("/"));
  await closeConnection(serverSocket);
  assert.equal((await gone)[0], "transport close");
  assert.equal(client.active, true, "still active: it will reconnect");
  const [serverSocket2] = await Promise.all([back, once(client, "connect")]);
  assert.equal(client.connected, true);
  assert.equal(client.id, serverSocket2.id);
  assert.notEqual(client.id, firstId, "a new session (no state recovery configured)");
  await roundTrip(client, serverSocket2);
});

clientTest('heartbeat starved by a dead network → "ping timeout", then reconnects', async (t, lib) => {
  const server = await startServer(t, { pingInterval: 100, pingTimeout: 100 });
  const proxy = await startProxy(t, server.port);
  const first = nextConnection(server.io.of("/"));
  const client = track(t, lib.io(proxy.url, { ...fastRetry, transports: ["websocket"] }));
  await Promise.all([first, connected(client)]);

  const gone = once<[string]>(client, "disconnect");
  const back = nextConnection(server.io.of("/"));
  // No byte moves on the open connection any more, and nothing closes it: only the heartbeat can tell.
  proxy.freeze();
  assert.equal((await gone)[0], "ping timeout");
  const [serverSocket2] = await Promise.all([back, once(client, "connect")]);
  assert.equal(client.id, serverSocket2.id);
  assert.ok(proxy.connections >= 2);
  await roundTrip(client, serverSocket2);
  // Drop the frozen connection now: left alone, each side's WebSocket would wait ~30 s for a closing handshake.
  client.disconnect();
  await proxy.close();
});

clientTest("disconnect event listeners registered with on() fire once per disconnection", async (t, lib) => {
  const { server, client, serverSocket } = await startPair(t, lib, { clientOpts: fastRetry });
  const reasons: string[] = [];
  client.on("disconnect", (reason: string) => reasons.push(reason));
  let back = nextConnection(server.io.of("/"));
  await closeConnection(serverSocket);
  let current = await back;
  await connected(client);
  back = nextConnection(server.io.of("/"));
  await closeConnection(current);
  current = await back;
  await connected(client);
  await roundTrip(client, current);
  client.disconnect();
  assert.deepEqual(reasons, ["transport close", "transport close", "io client disconnect"]);
});
