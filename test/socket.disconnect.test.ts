// Proves every disconnect reason, each staged against a real socket.io server, and what follows it:
// reconnection after the connection-level ones, none after "io server disconnect" / "io client disconnect".

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer, type TestServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { io, type DisconnectReason, type ManagerOptions, type Socket } from "../src/index";

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, forceNew: true } as const;

async function pair(
  t: TestContext,
  serverOpts: Parameters<typeof startServer>[1] = {},
  clientOpts: ManagerOptions = {},
): Promise<{ server: TestServer; client: Socket; serverSocket: ServerSocket }> {
  const server = await startServer(t, serverOpts);
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  const client = track(t, io(server.url, { ...fast, ...clientOpts }));
  const [[serverSocket]] = await Promise.all([serverSide, client.connected ? Promise.resolve() : once(client, "connect")]);
  return { server, client, serverSocket };
}

async function nextDisconnect(client: Socket): Promise<[DisconnectReason, unknown]> {
  return once<[DisconnectReason, unknown]>(client, "disconnect");
}

test('"io server disconnect": server-side socket.disconnect(); no automatic reconnection', async (t) => {
  const { client, serverSocket } = await pair(t);
  const gone = nextDisconnect(client);
  serverSocket.disconnect();
  const [reason] = await gone;
  assert.equal(reason, "io server disconnect");
  assert.equal(client.active, false);
  assert.equal(client.io.state, "closed", "nothing is scheduled: the socket stays down until connect()");
  client.connect();
  await once(client, "connect");
});

test('"io client disconnect": socket.disconnect(); the server sees the client leave', async (t) => {
  const { client, serverSocket } = await pair(t);
  const serverGone = once<[string]>(serverSocket, "disconnect");
  const gone = nextDisconnect(client);
  client.disconnect();
  assert.equal((await gone)[0], "io client disconnect");
  assert.equal((await serverGone)[0], "client namespace disconnect");
  assert.equal(client.io.state, "closed");
});

test('"transport close": the server closes the connection; the socket reconnects', async (t) => {
  const { client, serverSocket } = await pair(t);
  const gone = nextDisconnect(client);
  serverSocket.conn.close();
  assert.equal((await gone)[0], "transport close");
  assert.equal(client.active, true);
  await once(client, "connect");
});

test('"transport close" too when user code closes manager.engine, then reconnection', async (t) => {
  const { client } = await pair(t);
  const gone = nextDisconnect(client);
  const closed = once<[string]>(client.io, "close");
  client.io.engine.close();
  assert.equal((await gone)[0], "transport close");
  assert.equal((await closed)[0], "forced close", "the Manager reports the engine's own reason");
  await once(client.io, "reconnect");
  await once(client, "connect");
});

test('"ping timeout": the server stops pinging; the socket reconnects', async (t) => {
  const { client, serverSocket } = await pair(t, { pingInterval: 100, pingTimeout: 100 });
  // Silence the server's heartbeat for this connection without letting it time the client out.
  const conn = serverSocket.conn as unknown as {
    pingIntervalTimer: NodeJS.Timeout;
    pingTimeoutTimer: NodeJS.Timeout;
    schedulePing(): void;
    resetPingTimeout(): void;
  };
  clearTimeout(conn.pingIntervalTimer);
  clearTimeout(conn.pingTimeoutTimer);
  conn.schedulePing = () => {};
  conn.resetPingTimeout = () => {};
  const [reason] = await nextDisconnect(client);
  assert.equal(reason, "ping timeout");
  serverSocket.conn.close();
  await once(client, "connect");
});

test('"transport error": the polling session is refused with HTTP 400; the socket reconnects', async (t) => {
  const { server, client, serverSocket } = await pair(t, { pingInterval: 50, pingTimeout: 1000 }, { transports: ["polling"] });
  // Forget the session server-side: the next poll gets "Session ID unknown" (HTTP 400).
  const engine = server.io.engine as unknown as { clients: Map<string, unknown> | Record<string, unknown> };
  const sid = (serverSocket.conn as unknown as { id: string }).id;
  if (engine.clients instanceof Map) engine.clients.delete(sid);
  else delete engine.clients[sid];
  const [reason, description] = await nextDisconnect(client);
  assert.equal(reason, "transport error");
  assert.ok(description instanceof Error);
  // Close the orphaned server session discarding its transport: a plain close of a polling session with no
  // request in flight would arm engine.io's 30 s close timer and hold the process.
  serverSocket.conn.close(true);
  await once(client, "connect");
});

test('"parse error": the server sends a packet the parser refuses; the socket reconnects', async (t) => {
  const { client, serverSocket } = await pair(t);
  const errors: Error[] = [];
  client.io.on("close", (_reason, description) => {
    if (description instanceof Error) errors.push(description);
  });
  const gone = nextDisconnect(client);
  // An Engine.IO message whose Socket.IO packet type "9" does not exist.
  serverSocket.conn.send("9garbage");
  const [reason, description] = await gone;
  assert.equal(reason, "parse error");
  assert.ok(description instanceof Error);
  assert.equal(errors.length, 1);
  await once(client, "connect");
});

test("a listener that throws on disconnect does not stop the reconnection", async (t) => {
  const { client, serverSocket } = await pair(t);
  const thrown = new Error("listener bug");
  // Captured here rather than by the test runner, which would count it as this file's failure.
  const uncaught = new Promise<unknown>((resolve) => process.setUncaughtExceptionCaptureCallback(resolve));
  t.after(() => process.setUncaughtExceptionCaptureCallback(null));
  client.once("disconnect", () => {
    throw thrown;
  });
  serverSocket.conn.close();
  assert.equal(await uncaught, thrown, "the error surfaces, on its own stack");
  await once(client, "connect");
});

test("disconnect while connecting: the server's late CONNECT is answered with a DISCONNECT", async (t) => {
  const server = await startServer(t);
  let release: (() => void) | undefined;
  server.io.of("/slow").use((_s, next) => {
    release = next;
  });
  const slowServerSide = once<[ServerSocket]>(server.io.of("/slow"), "connection");
  const main = track(t, io(`${server.url}?suite=disconnect-connecting`));
  const slow = track(t, io(`${server.url}/slow?suite=disconnect-connecting`));
  await once(main, "connect");
  await new Promise<void>((resolve) => {
    const poll = () => (release ? resolve() : setImmediate(poll));
    poll();
  });
  slow.disconnect();
  release?.();
  const [ghost] = await slowServerSide;
  const [reason] = await once<[string]>(ghost, "disconnect");
  assert.equal(reason, "client namespace disconnect");
  assert.equal(main.connected, true, "the shared connection stays up");
});
