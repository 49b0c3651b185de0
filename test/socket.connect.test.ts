// Proves the namespace handshake: auth as an object, a callback or an async function (sent again on every
// reconnection), middleware refusal with data and no reconnection loop after it, a failing auth function,
// buffering of emits made before connect, and events that arrive before the CONNECT reply.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { ConnectError, io, SioError, type Socket } from "../src/index";

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

async function connected(socket: Socket): Promise<void> {
  if (!socket.connected) await once(socket, "connect");
}

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, forceNew: true } as const;

test("auth as an object reaches the server's handshake", async (t) => {
  const server = await startServer(t);
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  const socket = track(t, io(server.url, { ...fast, auth: { token: "abc", n: 1 } }));
  const [serverSocket] = await serverSide;
  await connected(socket);
  assert.deepEqual(serverSocket.handshake.auth, { token: "abc", n: 1 });
  assert.equal(socket.id, serverSocket.id);
});

test("auth as a callback is called before every connection, including reconnections", async (t) => {
  const server = await startServer(t);
  const seen: unknown[] = [];
  server.io.use((s, next) => {
    seen.push(s.handshake.auth);
    next();
  });
  let calls = 0;
  const socket = track(
    t,
    io(server.url, {
      ...fast,
      auth: (cb) => {
        calls++;
        cb({ token: `t${calls}` });
      },
    }),
  );
  const [first] = await once<[ServerSocket]>(server.io, "connection");
  await connected(socket);
  const again = once<[ServerSocket]>(server.io, "connection");
  first.conn.close();
  await again;
  await connected(socket);
  assert.deepEqual(seen, [{ token: "t1" }, { token: "t2" }]);
});

test("auth as an async function: its resolved value is sent", async (t) => {
  const server = await startServer(t);
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  const socket = track(
    t,
    io(server.url, {
      ...fast,
      auth: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return { token: "from-promise" };
      },
    }),
  );
  const [serverSocket] = await serverSide;
  await connected(socket);
  assert.deepEqual(serverSocket.handshake.auth, { token: "from-promise" });
});

test("an auth function that fails gives connect_error with its error, and no reconnection loop", async (t) => {
  const server = await startServer(t);
  const boom = new Error("token service down");
  const socket = track(
    t,
    io(server.url, {
      ...fast,
      auth: async () => {
        throw boom;
      },
    }),
  );
  const [err] = await once<[Error]>(socket, "connect_error");
  assert.equal(err, boom);
  assert.equal(socket.active, false);
  assert.equal(socket.io.state, "closed", "the Manager closed: its only socket gave up");
});

test("auth that is not an object is refused at the client with a clear error", async (t) => {
  const server = await startServer(t);
  const socket = track(t, io(server.url, { ...fast, auth: (cb) => cb("not an object" as unknown as object) }));
  const [err] = await once<[SioError]>(socket, "connect_error");
  assert.ok(err instanceof SioError);
  assert.equal(err.code, "ERR_INVALID_ARG");
  assert.match(err.message, /CONNECT/);
});

test("middleware refusal: connect_error carries the message and data, and the socket stops", async (t) => {
  const server = await startServer(t);
  let attempts = 0;
  server.io.use((_s, next) => {
    attempts++;
    const err = new Error("not authorized") as Error & { data: unknown };
    err.data = { content: "please retry later", code: 401 };
    next(err);
  });
  const socket = track(t, io(server.url, fast));
  const reconnectAttempts: number[] = [];
  socket.io.on("reconnect_attempt", (n) => reconnectAttempts.push(n));
  const [err] = await once<[ConnectError]>(socket, "connect_error");
  assert.ok(err instanceof ConnectError);
  assert.equal(err.code, "ERR_CONNECT");
  assert.equal(err.message, "not authorized");
  assert.deepEqual(err.data, { content: "please retry later", code: 401 });
  assert.equal(socket.connected, false);
  assert.equal(socket.active, false);
  // No loop: the Manager closed with its last socket, so no reconnection timer is pending.
  assert.equal(socket.io.state, "closed");
  assert.deepEqual(reconnectAttempts, []);
  assert.equal(attempts, 1);

  // connect() tries again, on demand.
  socket.connect();
  await once(socket, "connect_error");
  assert.equal(attempts, 2);
});

test("a refused namespace does not disturb another namespace on the same connection", async (t) => {
  const server = await startServer(t);
  server.io.of("/private").use((_s, next) => next(new Error("nope")));
  const main = track(t, io(`${server.url}?suite=connect-refused`));
  const secret = track(t, io(`${server.url}/private?suite=connect-refused`));
  const refused = once(secret, "connect_error");
  await connected(main);
  await refused;
  assert.equal(main.io, secret.io);
  assert.equal(main.connected, true);
  assert.equal(main.io.state, "open");
});

test("emits made before connect go out in order once connected", async (t) => {
  const server = await startServer(t);
  const received: number[] = [];
  server.io.on("connection", (s) => s.on("n", (n: number) => received.push(n)));
  const socket = track(t, io(server.url, { ...fast, autoConnect: false }));
  for (let i = 0; i < 20; i++) socket.emit("n", i);
  assert.equal(socket.sendBuffer.length, 20);
  const done = new Promise<void>((resolve) => {
    server.io.on("connection", (s) => s.on("n", (n: number) => n === 19 && resolve()));
  });
  socket.connect();
  await done;
  assert.deepEqual(
    received,
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.equal(socket.sendBuffer.length, 0);
});

test("events that arrive before the CONNECT reply are delivered right after connect", async (t) => {
  const server = await startServer(t);
  // Straight on the Engine.IO connection, before socket.io's namespace handshake: `42["early",1]`.
  server.io.engine.on("connection", (conn: { send(data: string): void }) => conn.send('2["early",1]'));
  const socket = track(t, io(server.url, { ...fast, autoConnect: false }));
  const order: string[] = [];
  socket.on("connect", () => order.push("connect"));
  socket.on("early", (n: number) => order.push(`early:${n}`));
  socket.connect();
  await once(socket, "early");
  assert.deepEqual(order, ["connect", "early:1"]);
  assert.deepEqual(socket.receiveBuffer, []);
});

test("connected, disconnected, active and id follow the lifecycle", async (t) => {
  const server = await startServer(t);
  const socket = track(t, io(server.url, { ...fast, autoConnect: false }));
  assert.deepEqual([socket.connected, socket.disconnected, socket.active, socket.id], [false, true, false, undefined]);
  socket.connect();
  assert.equal(socket.active, true);
  await connected(socket);
  assert.deepEqual([socket.connected, socket.disconnected, socket.active], [true, false, true]);
  assert.equal(typeof socket.id, "string");
  socket.disconnect();
  assert.deepEqual([socket.connected, socket.disconnected, socket.active, socket.id], [false, true, false, undefined]);
});

test("an emit made by a listener during the buffer flush goes out after the buffered ones", async (t) => {
  const server = await startServer(t);
  const received: string[] = [];
  const done = new Promise<void>((resolve) => {
    server.io.on("connection", (s) =>
      s.onAny((event: string) => {
        received.push(event);
        if (event === "x") resolve();
      }),
    );
  });
  const socket = track(t, io(server.url, { ...fast, autoConnect: false }));
  socket.onAnyOutgoing((event: string) => {
    if (event === "b") socket.emit("x");
  });
  for (let i = 0; i < 2000; i++) socket.emit(i === 0 ? "a" : i === 1 ? "b" : "c");
  socket.connect();
  await done;
  assert.equal(received.length, 2001);
  assert.deepEqual(received.slice(0, 3), ["a", "b", "c"]);
  assert.equal(received.at(-1), "x");
});

test("manager.close(): sockets get 'io client disconnect', stay active, and connect() brings them back", async (t) => {
  const server = await startServer(t);
  const socket = track(t, io(server.url, fast));
  await connected(socket);
  const events: string[] = [];
  socket.on("disconnect", (reason) => events.push(`socket:${reason}`));
  socket.io.on("close", (reason) => events.push(`manager:${reason}`));
  socket.io.close();
  assert.deepEqual(events, ["socket:io client disconnect", "manager:forced close"]);
  assert.equal(socket.io.state, "closed");
  assert.equal(socket.active, true);
  socket.connect();
  await connected(socket);
});
