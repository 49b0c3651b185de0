// Drop-in proof, connecting: transports, ids, state flags, auth, query, headers and middleware refusal behave
// the same on socket.io-client and siolink against a real socket.io 4.8 server.

import assert from "node:assert/strict";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import {
  clientTest,
  connected,
  expectNoEvent,
  nextConnection,
  roundTrip,
  startPair,
  track,
} from "./helpers/clients";

clientTest("connects over the default transports; socket.id matches the server's", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  assert.equal(typeof client.id, "string");
  assert.equal(client.id, serverSocket.id);
  // Whatever transport the session started on, it ends up on WebSocket.
  if (serverSocket.conn.transport.name !== "websocket") await once(serverSocket.conn, "upgrade");
  assert.equal(serverSocket.conn.transport.name, "websocket");
  await roundTrip(client, serverSocket);
});

clientTest("websocket-only: the session never uses polling", async (t, lib) => {
  const server = await startServer(t);
  const seen: string[] = [];
  server.io.engine.on("connection", (conn: { transport: { name: string } }) => seen.push(conn.transport.name));
  const serverSide = nextConnection(server.io.of("/"));
  const client = track(t, lib.io(server.url, { transports: ["websocket"] }));
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  assert.deepEqual(seen, ["websocket"]);
  assert.equal(serverSocket.conn.transport.name, "websocket");
  assert.equal(client.id, serverSocket.id);
  await roundTrip(client, serverSocket);
});

clientTest("polling-only: the session stays on HTTP long-polling", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { transports: ["polling"] } });
  assert.equal(client.id, serverSocket.id);
  serverSocket.conn.on("upgrade", () => assert.fail("polling-only client upgraded"));
  for (let i = 0; i < 3; i++) await roundTrip(client, serverSocket);
  assert.equal(serverSocket.conn.transport.name, "polling");
});

clientTest("connected / disconnected / active flags through the lifecycle", async (t, lib) => {
  const server = await startServer(t);
  const client = track(t, lib.io(server.url, { autoConnect: false }));
  assert.equal(client.connected, false);
  assert.equal(client.disconnected, true);
  assert.equal(client.active, false, "not active before connect()");
  assert.equal(client.id, undefined);

  assert.equal(client.connect(), client, "connect() returns the socket");
  assert.equal(client.active, true, "active as soon as connect() is called");
  assert.equal(client.connected, false);
  await connected(client);
  assert.equal(client.connected, true);
  assert.equal(client.disconnected, false);
  assert.equal(client.active, true);

  const gone = once<[string]>(client, "disconnect");
  assert.equal(client.disconnect(), client, "disconnect() returns the socket");
  assert.equal(client.connected, false);
  assert.equal(client.disconnected, true);
  assert.equal(client.active, false);
  assert.equal((await gone)[0], "io client disconnect");
  assert.equal(client.id, undefined, "no id once disconnected");

  // open() is an alias of connect(), and a socket can come back after a manual disconnect.
  const serverSide = nextConnection(server.io.of("/"));
  client.open();
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  assert.equal(client.id, serverSocket.id);
  assert.equal(client.connected, true);
  // close() is an alias of disconnect().
  client.close();
  assert.equal(client.connected, false);
  assert.equal(client.active, false);
});

clientTest("io() and connect() and the default export are the same lookup function", async (t, lib) => {
  const server = await startServer(t);
  for (const factory of [lib.io, lib.connect, lib.default]) {
    const serverSide = nextConnection(server.io.of("/"));
    const client = track(t, factory(server.url, { forceNew: true }));
    const [serverSocket] = await Promise.all([serverSide, connected(client)]);
    assert.equal(client.id, serverSocket.id);
    assert.ok(client instanceof lib.Socket, "an instance of the exported Socket class");
    assert.ok(client.io instanceof lib.Manager, "its manager is an instance of the exported Manager class");
    client.disconnect();
  }
});

clientTest("auth object reaches the server's handshake", async (t, lib) => {
  const auth = { token: "abc", nested: { n: 1 } };
  const { serverSocket } = await startPair(t, lib, { clientOpts: { auth } });
  assert.deepEqual(serverSocket.handshake.auth, auth);
});

clientTest("auth callback cb => cb({ token }) reaches the server's handshake", async (t, lib) => {
  let calls = 0;
  const { serverSocket } = await startPair(t, lib, {
    clientOpts: {
      auth: (cb) => {
        calls++;
        cb({ token: `t${calls}` });
      },
    },
  });
  assert.deepEqual(serverSocket.handshake.auth, { token: "t1" });
  assert.equal(calls, 1);
});

clientTest("query option reaches the server's handshake", async (t, lib) => {
  const { serverSocket } = await startPair(t, lib, { clientOpts: { query: { fromOpts: "x y", n: "1" } } });
  assert.equal(serverSocket.handshake.query["fromOpts"], "x y");
  assert.equal(serverSocket.handshake.query["n"], "1");
});

clientTest("a query string in the URL reaches the server's handshake", async (t, lib) => {
  const server = await startServer(t);
  const serverSide = nextConnection(server.io.of("/"));
  const client = track(t, lib.io(`${server.url}?fromUrl=a%20b&k=2`));
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  assert.equal(serverSocket.handshake.query["fromUrl"], "a b");
  assert.equal(serverSocket.handshake.query["k"], "2");
});

clientTest("extraHeaders reach the server (Node), over polling and websocket", async (t, lib) => {
  for (const transports of [["polling"], ["websocket"]] as const) {
    const { serverSocket } = await startPair(t, lib, {
      clientOpts: { transports: [...transports], extraHeaders: { "x-siolink-test": "yes" } },
    });
    assert.equal(serverSocket.handshake.headers["x-siolink-test"], "yes", transports[0]);
  }
});

clientTest("middleware refusal: connect_error with message and data, no retry loop, inactive", async (t, lib) => {
  const server = await startServer(t);
  let attempts = 0;
  server.io.use((_socket, next) => {
    attempts++;
    if (attempts === 1) {
      next(Object.assign(new Error("not authorized"), { data: { reason: "expired", retryIn: 5 } }));
    } else {
      next();
    }
  });
  server.io.of("/other").on("connection", (s) => s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)));
  const client = track(
    t,
    lib.io(server.url, { reconnectionDelay: 1, reconnectionDelayMax: 2, randomizationFactor: 0 }),
  );
  client.on("connect", () => assert.fail("the refused socket must not connect by itself"));
  const [err] = await once<[Error & { data?: unknown }]>(client, "connect_error");
  assert.ok(err instanceof Error);
  assert.equal(err.message, "not authorized");
  assert.deepEqual(err.data, { reason: "expired", retryIn: 5 });
  assert.equal(client.active, false, "a refused socket is not active: it will not retry");
  assert.equal(client.connected, false);

  // The connection itself stays usable: another namespace on the same Manager connects and echoes,
  // and during all that the refused socket never retried (a retry loop with 1 ms delays would have).
  const other = track(t, client.io.socket("/other"));
  other.connect();
  await connected(other);
  for (let i = 0; i < 3; i++) assert.equal(await other.timeout(5000).emitWithAck("echo", i), i);
  await expectNoEvent(client, "connect_error", 100);
  assert.equal(attempts, 1, "the middleware ran once");
  assert.equal(client.active, false);

  // The documented recovery: connect() again by hand (the middleware now lets it through).
  client.off("connect");
  client.connect();
  await connected(client);
  assert.equal(attempts, 2);
  assert.equal(client.connected, true);
});

clientTest("unknown namespace: connect_error 'Invalid namespace'", async (t, lib) => {
  const server = await startServer(t);
  const client = track(t, lib.io(`${server.url}/nowhere`));
  const [err] = await once<[Error]>(client, "connect_error");
  assert.ok(err instanceof Error);
  assert.equal(err.message, "Invalid namespace");
  assert.equal(client.active, false);
});
