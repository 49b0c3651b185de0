// Drop-in proof, the Manager members socket.io-client's typings declare public (test/compat.surface.test.ts
// finds them): uri, _readyState, _reconnecting, _autoConnect, _close(), _destroy(), _packet(). Each scenario
// runs on socket.io-client and on siolink against a real socket.io 4.8 server.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Manager as SiolinkManager } from "../src/index";
import { clientTest, closeConnection, connected, expectNoEvent, loose, nextConnection, startPair, track } from "./helpers/clients";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

const quick = { reconnectionDelay: 20, reconnectionDelayMax: 50, randomizationFactor: 0 };

clientTest("manager.uri is the URL the Manager was created with", async (t, lib) => {
  const server = await startServer(t);
  const chat = track(t, lib.io(`${server.url}/chat`, { transports: ["websocket"] }));
  // Declared private in socket.io-client's typings, yet read by its users (logging, diagnostics).
  const uri = (manager: object) => (manager as { uri: string }).uri;
  assert.equal(uri(chat.io), `${server.url}/chat`);
  assert.equal(uri(new lib.Manager(server.url, { autoConnect: false })), server.url);
});

clientTest("_readyState and _reconnecting follow open, lost connection, reconnection attempt, reconnect", async (t, lib) => {
  const server = await startServer(t);
  const serverSide = nextConnection(server.io.of("/"));
  const client = track(t, lib.io(server.url, { ...quick, transports: ["websocket"] }));
  const manager = client.io;
  // socket.io-client leaves _reconnecting undefined until its first reconnection loop.
  assert.deepEqual([manager._readyState, manager._reconnecting === true], ["opening", false]);
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  assert.deepEqual([manager._readyState, manager._reconnecting === true], ["open", false]);

  const seen: Array<[string, string, boolean]> = [];
  const record = (when: string) => () => seen.push([when, manager._readyState, manager._reconnecting]);
  manager.on("reconnect_attempt", () => {
    record("reconnect_attempt")();
    // The attempt starts right after its event.
    queueMicrotask(record("attempt made"));
  });
  manager.on("reconnect", record("reconnect"));
  const reconnected = once(manager, "reconnect");
  await closeConnection(serverSocket);
  await reconnected;
  assert.deepEqual(seen, [
    ["reconnect_attempt", "closed", true],
    ["attempt made", "opening", true],
    ["reconnect", "open", false],
  ]);
});

clientTest("_close() closes for good: sockets disconnect, no reconnection, socket.connect() starts again", async (t, lib, name) => {
  const { client, server } = await startPair(t, lib, { clientOpts: { ...quick, transports: ["websocket"] } });
  const manager = client.io;
  const disconnected = once<[string]>(client, "disconnect");
  manager._close();
  const [reason] = await disconnected;
  // socket.io-client passes its Manager's "forced close" (not one of its DisconnectReasons); siolink says
  // what happened, as manager.close() does (README, differences table).
  assert.equal(reason, name === "siolink" ? "io client disconnect" : "forced close");
  assert.deepEqual([manager._readyState, manager._reconnecting], ["closed", false]);
  await expectNoEvent(loose(manager), "reconnect_attempt", 200);
  const again = nextConnection(server.io.of("/"));
  client.connect();
  await Promise.all([again, connected(client)]);
  assert.equal(manager._readyState, "open");
});

clientTest("_destroy(socket) closes the connection only when no socket of the Manager is active", async (t, lib) => {
  const server = await startServer(t);
  const manager = new lib.Manager(server.url, { autoConnect: false, transports: ["websocket"] });
  const main = manager.socket("/");
  const idle = manager.socket("/idle");
  t.after(() => manager.socket("/").disconnect());
  main.connect();
  await connected(main);
  manager._destroy(idle);
  assert.equal(manager._readyState, "open");
  assert.equal(main.connected, true);

  // A Manager whose only socket never connected: _destroy closes it.
  const lone = new lib.Manager(server.url, { autoConnect: false, transports: ["websocket"] });
  const unused = lone.socket("/");
  await new Promise<void>((resolve, reject) => lone.open((err) => (err ? reject(err) : resolve())));
  assert.equal(lone._readyState, "open");
  const closed = once(lone, "close");
  lone._destroy(unused);
  await closed;
  assert.equal(lone._readyState, "closed");
});

clientTest("disconnect() of the last socket before it connected closes the Manager, opening or waiting to reconnect", async (t, lib) => {
  const server = await startServer(t);
  // Opening: the connection attempt is abandoned, the server never sees a namespace connection.
  const manager = new lib.Manager(server.url, { ...quick, transports: ["websocket"] });
  const socket = manager.socket("/");
  t.after(() => manager._close());
  assert.equal(manager._readyState, "opening");
  const closed = once(loose(manager), "close");
  socket.disconnect();
  assert.deepEqual([manager._readyState, manager._reconnecting, socket.active], ["closed", false, false]);
  await closed;
  await expectNoEvent(loose(manager), "open", 100);
  assert.equal(server.io.of("/").sockets.size, 0);

  // Waiting to reconnect (the server is gone): no further attempt.
  await server.close();
  const retrying = new lib.Manager(server.url, { ...quick, reconnectionDelay: 60_000, reconnectionDelayMax: 60_000, transports: ["websocket"] });
  const waiting = retrying.socket("/");
  t.after(() => retrying._close());
  await once(loose(retrying), "error");
  assert.equal(retrying._reconnecting, true);
  waiting.disconnect();
  assert.deepEqual([retrying._readyState, retrying._reconnecting, waiting.active], ["closed", false, false]);
  await expectNoEvent(loose(retrying), "reconnect_attempt", 100);
});

clientTest("an idle Manager whose only socket disconnects before ever connecting: close \"forced close\", nothing opens", async (t, lib) => {
  const server = await startServer(t);
  const manager = new lib.Manager(server.url, { ...quick, autoConnect: false, transports: ["websocket"] });
  const socket = manager.socket("/");
  t.after(() => manager._close());
  const closes: unknown[] = [];
  loose(manager).on("close", (reason: unknown) => closes.push(reason));
  socket.disconnect();
  assert.deepEqual(closes, ["forced close"]);
  assert.deepEqual([manager._readyState, socket.active], ["closed", false]);
  await expectNoEvent(loose(manager), "open", 100);
});

clientTest("_autoConnect reads the option and, set, decides whether new sockets connect", async (t, lib) => {
  const server = await startServer(t);
  server.io.of("/b");
  const manager = new lib.Manager(server.url, { autoConnect: false, transports: ["websocket"] });
  t.after(() => {
    manager.socket("/a").disconnect();
    manager.socket("/b").disconnect();
  });
  assert.equal(manager._autoConnect, false);
  const a = manager.socket("/a");
  assert.equal(a.active, false);
  manager._autoConnect = true;
  assert.equal(manager._autoConnect, true);
  const b = manager.socket("/b");
  assert.equal(b.active, true);
  await connected(b);
  assert.equal(a.connected, false);
  assert.equal(new lib.Manager(server.url, { autoConnect: false })._autoConnect, false);
});

clientTest("_packet(packet) encodes a packet and writes it through engine.write, options included", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { transports: ["websocket"] } });
  const engine = client.io.engine;
  const writes: unknown[][] = [];
  const write = engine.write;
  engine.write = function (this: typeof engine, ...args: Parameters<typeof write>) {
    writes.push(args.slice(0, 2));
    return write.apply(this, args);
  };
  const received = once<[string, number]>(serverSocket, "hello");
  client.io._packet({ type: 2, nsp: "/", data: ["hello", "world", 1], options: { compress: false } });
  assert.deepEqual(await received, ["world", 1]);
  assert.deepEqual(writes, [['2["hello","world",1]', { compress: false }]]);
});

test("siolink: _packet() on a Manager that never opened is a typed error (socket.io-client: a TypeError)", () => {
  const manager = new SiolinkManager("http://127.0.0.1:1", { autoConnect: false });
  assert.throws(() => manager._packet({ type: 2, nsp: "/", data: ["x"] }), { code: "ERR_INVALID_STATE" });
  assert.equal(manager._readyState, "closed");
  assert.equal(manager._reconnecting, false);
  assert.equal(manager.uri, "http://127.0.0.1:1");
});
