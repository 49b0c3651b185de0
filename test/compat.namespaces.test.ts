// Drop-in proof, namespaces: several namespaces share one Manager and one connection, forceNew and
// multiplex:false separate them, and Manager.socket() works, as with socket.io-client.

import assert from "node:assert/strict";
import type { Server } from "socket.io";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { clientTest, connected, nextConnection, track, type ClientSocket } from "./helpers/clients";

/** Every namespace of the server echoes with its own name, so routing mistakes show. */
function echoIn(io: Server, nsp: string) {
  io.of(nsp).on("connection", (s) => s.on("who", (ack: (v: string) => void) => ack(nsp)));
}

async function who(socket: ClientSocket): Promise<unknown> {
  return socket.timeout(5000).emitWithAck("who");
}

clientTest("two namespaces multiplexed over one Manager and one connection", async (t, lib) => {
  const server = await startServer(t);
  echoIn(server.io, "/");
  echoIn(server.io, "/admin");
  const mainSide = nextConnection(server.io.of("/"));
  const adminSide = nextConnection(server.io.of("/admin"));
  const main = track(t, lib.io(server.url));
  const admin = track(t, lib.io(`${server.url}/admin`));
  assert.equal(main.io, admin.io, "the same Manager");
  const [mainServer, adminServer] = await Promise.all([mainSide, adminSide, connected(main), connected(admin)]);
  assert.equal(server.io.engine.clientsCount, 1, "one Engine.IO connection");
  assert.equal(mainServer.conn, adminServer.conn);
  assert.equal(main.id, mainServer.id);
  assert.equal(admin.id, adminServer.id);
  assert.notEqual(main.id, admin.id);
  assert.equal(await who(main), "/");
  assert.equal(await who(admin), "/admin");

  // Events stay in their namespace.
  const seenByMain: string[] = [];
  main.on("ping-ns", (v: string) => seenByMain.push(v));
  const adminGot = once<[string]>(admin, "ping-ns");
  adminServer.emit("ping-ns", "admin only");
  assert.deepEqual(await adminGot, ["admin only"]);
  assert.equal(await who(main), "/");
  assert.deepEqual(seenByMain, []);

  // Leaving one namespace keeps the connection for the other.
  const adminGone = once<[string]>(adminServer, "disconnect");
  admin.disconnect();
  await adminGone;
  assert.equal(main.connected, true);
  assert.equal(await who(main), "/");
  assert.equal(server.io.engine.clientsCount, 1);
});

clientTest("forceNew gives a separate Manager and connection", async (t, lib) => {
  const server = await startServer(t);
  echoIn(server.io, "/");
  const a = track(t, lib.io(server.url, { forceNew: true }));
  const b = track(t, lib.io(server.url, { forceNew: true }));
  assert.notEqual(a.io, b.io);
  await Promise.all([connected(a), connected(b)]);
  assert.equal(server.io.engine.clientsCount, 2);
  assert.equal(await who(a), "/");
  assert.equal(await who(b), "/");
});

clientTest("multiplex: false gives a separate Manager and connection", async (t, lib) => {
  const server = await startServer(t);
  echoIn(server.io, "/");
  echoIn(server.io, "/x");
  const a = track(t, lib.io(server.url));
  const b = track(t, lib.io(`${server.url}/x`, { multiplex: false }));
  assert.notEqual(a.io, b.io);
  await Promise.all([connected(a), connected(b)]);
  assert.equal(server.io.engine.clientsCount, 2);
  assert.equal(await who(b), "/x");
});

clientTest("the same namespace twice without forceNew gets a new Manager", async (t, lib) => {
  const server = await startServer(t);
  const a = track(t, lib.io(server.url));
  const b = track(t, lib.io(server.url));
  assert.notEqual(a, b);
  assert.notEqual(a.io, b.io, "a second socket for one namespace cannot share the Manager");
  await Promise.all([connected(a), connected(b)]);
  assert.equal(server.io.engine.clientsCount, 2);
});

clientTest("many namespaces on one connection through Manager.socket()", async (t, lib) => {
  const server = await startServer(t);
  const names = Array.from({ length: 12 }, (_, i) => `/ns${i}`);
  for (const nsp of names) echoIn(server.io, nsp);
  const manager = new lib.Manager(server.url, { autoConnect: false });
  const sockets = names.map((nsp) => track(t, manager.socket(nsp, { auth: { nsp } })));
  for (const s of sockets) {
    assert.equal(s.io, manager);
    s.connect();
  }
  await Promise.all(sockets.map((s) => connected(s)));
  assert.equal(server.io.engine.clientsCount, 1);
  const answers = await Promise.all(sockets.map((s) => who(s)));
  assert.deepEqual(answers, names);
  for (const nsp of names) {
    const [serverSocket] = [...server.io.of(nsp).sockets.values()];
    assert.deepEqual(serverSocket?.handshake.auth, { nsp }, `per-namespace auth for ${nsp}`);
  }
  // manager.socket() for a namespace it already has returns the same Socket.
  assert.equal(manager.socket("/ns3"), sockets[3]);
});

clientTest("a refused namespace does not disturb the others on the same connection", async (t, lib) => {
  const server = await startServer(t);
  echoIn(server.io, "/");
  server.io.of("/private").use((_s, next) => next(new Error("private")));
  const main = track(t, lib.io(server.url));
  const priv = track(t, lib.io(`${server.url}/private`));
  assert.equal(main.io, priv.io);
  const [err] = await once<[Error]>(priv, "connect_error");
  assert.equal(err.message, "private");
  await connected(main);
  assert.equal(await who(main), "/");
  assert.equal(main.connected, true);
});
