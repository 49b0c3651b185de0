// Proves io()'s Manager cache: namespaces of one server share one Engine.IO connection, with socket.io-client's
// exceptions (forceNew, multiplex: false, the same namespace twice), a separate Manager for a different set of
// connection options, and eviction of a Manager once it is closed for good.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer, type TestServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";
import { io, Manager, type Socket } from "../src/index";
import { agrees, cachedManagerCount, type IoOptions } from "../src/registry";

/** A server accepting any namespace (socket.io refuses undeclared ones). */
async function openServer(t: TestContext): Promise<TestServer> {
  const server = await startServer(t);
  server.io.of(/^\/\w*$/);
  return server;
}

/** Counts Engine.IO connections the server accepted. */
function countConnections(server: TestServer): { readonly value: number } {
  const counter = { value: 0 };
  server.io.engine.on("connection", () => {
    counter.value++;
  });
  return counter;
}

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

async function connected(socket: Socket): Promise<void> {
  if (!socket.connected) await once(socket, "connect");
}

test("two namespaces of one server share one Manager and one Engine.IO connection", async (t) => {
  const server = await openServer(t);
  const engines = countConnections(server);
  // A query makes the cache key unique to this test (other tests in this file use the same cache).
  const main = track(t, io(`${server.url}?suite=multiplex-1`));
  const admin = track(t, io(`${server.url}/admin?suite=multiplex-1`));
  const adminServerSide = once<[ServerSocket]>(server.io.of("/admin"), "connection");
  await Promise.all([connected(main), connected(admin), adminServerSide]);
  assert.equal(main.io, admin.io);
  assert.equal(engines.value, 1);
  assert.equal(main.nsp, "/");
  assert.equal(admin.nsp, "/admin");
  const [adminSocket] = await adminServerSide;
  assert.equal((adminSocket.conn as unknown as { id: string }).id, main.io.engine.id, "both namespaces ride the same engine session");
});

test("forceNew, multiplex: false and a namespace that already has a socket each get their own Manager", async (t) => {
  const server = await openServer(t);
  const engines = countConnections(server);
  const url = `${server.url}?suite=multiplex-2`;
  const first = track(t, io(url));
  const forced = track(t, io(`${server.url}/a?suite=multiplex-2`, { forceNew: true }));
  const unshared = track(t, io(`${server.url}/b?suite=multiplex-2`, { multiplex: false }));
  const sameNamespace = track(t, io(url));
  await Promise.all([first, forced, unshared, sameNamespace].map(connected));

  const managers = new Set([first.io, forced.io, unshared.io, sameNamespace.io]);
  assert.equal(managers.size, 4);
  assert.notEqual(sameNamespace, first, "a second io() for the same namespace is a new Socket");
  assert.equal(engines.value, 4);

  // Only `first` went into the cache: a later call for another namespace joins its connection.
  const joined = track(t, io(`${server.url}/c?suite=multiplex-2`));
  await connected(joined);
  assert.equal(joined.io, first.io);
  assert.equal(engines.value, 4);
});

test("a different set of connection options gets a separate Manager instead of being ignored", async (t) => {
  const server = await openServer(t);
  const url = `${server.url}?suite=multiplex-3`;
  const plain = track(t, io(url));
  const websocketOnly = track(t, io(`${server.url}/ws?suite=multiplex-3`, { transports: ["websocket"] }));
  const withHeaders = track(t, io(`${server.url}/h?suite=multiplex-3`, { extraHeaders: { "x-test": "1" } }));
  const otherQuery = track(t, io(`${server.url}/q?suite=multiplex-3&room=2`));
  // auth is per socket: it does not split the connection.
  const withAuth = track(t, io(`${server.url}/auth?suite=multiplex-3`, { auth: { token: "t" } }));
  // Spelling out a default is the same option set.
  const explicitDefaults = track(t, io(`${server.url}/d?suite=multiplex-3`, { path: "/socket.io", reconnection: true }));
  await Promise.all([plain, websocketOnly, withHeaders, otherQuery, withAuth, explicitDefaults].map(connected));

  assert.notEqual(websocketOnly.io, plain.io);
  assert.notEqual(withHeaders.io, plain.io);
  assert.notEqual(otherQuery.io, plain.io);
  assert.equal(withAuth.io, plain.io);
  assert.equal(explicitDefaults.io, plain.io);
  assert.equal(websocketOnly.io.engine.transport.name, "websocket");
  assert.deepEqual(otherQuery.io.opts.query, { suite: "multiplex-3", room: "2" });

  // Same options again: shared.
  const again = track(t, io(`${server.url}/ws2?suite=multiplex-3`, { transports: ["websocket"] }));
  await connected(again);
  assert.equal(again.io, websocketOnly.io);
});

test("a call passing no connection options joins the server's Manager, whatever its options (disconnect(true) ends both)", async (t) => {
  const server = await openServer(t);
  const engines = countConnections(server);
  const main = track(t, io(server.url, { transports: ["websocket"] }));
  const admin = track(t, io(`${server.url}/admin`));
  // Per-socket options do not ask for another connection either.
  const withAuth = track(t, io(`${server.url}/auth`, { auth: { token: "t" }, ackTimeout: 1000 }));
  const adminServerSide = once<[ServerSocket]>(server.io.of("/admin"), "connection");
  await Promise.all([connected(main), connected(admin), connected(withAuth)]);
  assert.equal(admin.io, main.io);
  assert.equal(withAuth.io, main.io);
  assert.equal(engines.value, 1);
  assert.equal(admin.io.engine.transport.name, "websocket", "the first call's options hold for the joiners");

  // A call asking for a conflicting option still gets its own connection.
  const polling = track(t, io(`${server.url}/p`, { transports: ["polling"] }));
  await connected(polling);
  assert.notEqual(polling.io, main.io);
  assert.equal(engines.value, 2);

  // Server code relies on the shared connection: disconnect(true) on one namespace closes the whole of it.
  const [adminSocket] = await adminServerSide;
  const gone = once<[string]>(main, "disconnect");
  adminSocket.disconnect(true);
  assert.equal((await gone)[0], "io server disconnect");
});

test("connection options are compared by value: key order and undefined members do not matter, values do", () => {
  // agrees(options of a cached Manager, options of an io() call with the URL's query merged in).
  const cached: IoOptions = { transports: ["websocket"], extraHeaders: { a: "1", b: "2" }, timeout: 5000, query: { q: "1" } };
  const withUndefined: Record<string, unknown> = { extraHeaders: { b: "2", a: "1", c: undefined }, transports: ["websocket"], reconnectionDelay: undefined };
  assert.equal(agrees(cached, withUndefined as IoOptions), true);
  assert.equal(agrees(cached, { extraHeaders: { a: "1", b: "3" } }), false);
  assert.equal(agrees(cached, { extraHeaders: { a: "1" } }), false);
  assert.equal(agrees(cached, { transports: ["polling"] }), false);
  assert.equal(agrees(cached, { query: { q: "1" } }), true);
  assert.equal(agrees(cached, { query: { q: "2" } }), false);
  assert.equal(agrees({}, { query: { room: "1" } }), false);
  // Passing none always agrees; per-socket options, io()-only ones, path (part of the server) and defaults are
  // not connection options.
  assert.equal(agrees(cached, {}), true);
  assert.equal(agrees(cached, { auth: { x: 1 }, path: "/other", forceNew: false, multiplex: true, retries: 2, ackTimeout: 5, reconnection: true }), true);
  // Values with a toJSON compare by it; other objects and functions by identity.
  assert.equal(agrees({ transportOptions: { ca: Buffer.from("x") } } as IoOptions, { transportOptions: { ca: Buffer.from("x") } } as IoOptions), true);
  assert.equal(agrees({ transportOptions: { ca: Buffer.from("x") } } as IoOptions, { transportOptions: { ca: Buffer.from("y") } } as IoOptions), false);
  const agent = new (class Agent {})();
  assert.equal(agrees({ agent } as IoOptions, { agent } as IoOptions), true);
  assert.equal(agrees({ agent } as IoOptions, { agent: new (class Agent {})() } as IoOptions), false);
  // Self-referencing option objects do not hang the comparison.
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const other: Record<string, unknown> = {};
  other.self = other;
  assert.equal(agrees({ transportOptions: cyclic as never }, { transportOptions: cyclic as never }), true);
  assert.equal(agrees({ transportOptions: cyclic as never }, { transportOptions: other as never }), false);
});

test("a Manager closed for good leaves the cache; the next io() creates a new one", async (t) => {
  const server = await openServer(t);
  const url = `${server.url}?suite=multiplex-4`;
  const before = cachedManagerCount();
  const a = track(t, io(url));
  const b = track(t, io(`${server.url}/b?suite=multiplex-4`));
  await Promise.all([connected(a), connected(b)]);
  assert.equal(cachedManagerCount(), before + 1);

  a.disconnect();
  assert.equal(a.io.state, "open", "another socket still uses the connection");
  assert.equal(cachedManagerCount(), before + 1);
  const closed = once(b.io, "close");
  b.disconnect();
  const [reason] = await closed;
  assert.equal(reason, "forced close");
  assert.equal(b.io.state, "closed");
  assert.equal(cachedManagerCount(), before);

  const c = track(t, io(url));
  await connected(c);
  assert.notEqual(c.io, a.io);
});

test("the Manager closes its engine when its last active socket disconnects", async (t) => {
  const server = await openServer(t);
  const manager = new Manager(server.url, { autoConnect: false });
  const one = track(t, manager.socket("/one"));
  const two = track(t, manager.socket("/two"));
  assert.equal(manager.socket("/one"), one, "one Socket per namespace per Manager");
  one.connect();
  two.connect();
  await Promise.all([connected(one), connected(two)]);
  const engine = manager.engine;
  one.disconnect();
  assert.equal(engine.readyState, "open");
  two.disconnect();
  await waitFor(() => engine.readyState === "closed", { what: "the engine to close" });
  assert.equal(manager.state, "closed");
  // And it comes back on demand.
  one.connect();
  await connected(one);
  assert.notEqual(manager.engine, engine);
});

test("fifty namespaces share a single connection", async (t) => {
  const server = await openServer(t);
  const engines = countConnections(server);
  const manager = new Manager(server.url);
  const sockets: Socket[] = [];
  for (let i = 0; i < 50; i++) {
    const nsp = `/n${i}`;
    server.io.of(nsp).on("connection", (s) => {
      s.on("echo", (value: string, ack: (v: string) => void) => ack(`${nsp}:${value}`));
    });
    sockets.push(track(t, manager.socket(nsp)));
  }
  await Promise.all(sockets.map(connected));
  const replies = await Promise.all(sockets.map((s) => s.timeout(10_000).emitWithAck("echo", "x")));
  assert.deepEqual(
    replies,
    sockets.map((s) => `${s.nsp}:x`),
  );
  assert.equal(engines.value, 1);
});
