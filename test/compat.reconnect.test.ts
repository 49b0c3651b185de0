// Drop-in proof, reconnection: a restarted server is found again, the Manager reports its attempts, emits made
// while away are delivered once and in order, attempts run out, and the connect timeout fires.

import assert from "node:assert/strict";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { clientTest, connected, loose, nextConnection, roundTrip, startPair, track, upgraded } from "./helpers/clients";

const fastRetry = { reconnectionDelay: 20, reconnectionDelayMax: 50, randomizationFactor: 0.5 };

clientTest("server stopped and restarted on the same port: the client reconnects by itself", async (t, lib) => {
  const authCalls: number[] = [];
  const { server, client, serverSocket: firstServerSocket } = await startPair(t, lib, {
    clientOpts: {
      ...fastRetry,
      auth: (cb) => {
        authCalls.push(authCalls.length + 1);
        cb({ n: authCalls.length });
      },
    },
  });
  const attempts: number[] = [];
  const manager = client.io;
  manager.on("reconnect_attempt", (n: number) => attempts.push(n));
  const reconnected = once<[number]>(loose(manager), "reconnect", { timeoutMs: 15_000 });
  await upgraded(firstServerSocket);
  const gone = once(client, "disconnect");
  const failedOnce = once(loose(manager), "reconnect_error", { timeoutMs: 15_000 });
  await server.close();
  await gone;
  assert.equal(client.connected, false);
  assert.equal(client.active, true, "still active while the server is away");
  // Let at least one attempt fail against the closed port before the server comes back.
  await failedOnce;

  const restarted = await startServer(t, { port: server.port });
  const back = nextConnection(restarted.io.of("/"), 15_000);
  const [[attemptCount], serverSocket] = await Promise.all([reconnected, back, connected(client, 15_000)]);
  assert.equal(client.connected, true);
  assert.equal(client.id, serverSocket.id);
  assert.ok(attemptCount >= 1, "reconnect reports the number of attempts");
  assert.deepEqual(attempts, Array.from({ length: attempts.length }, (_, i) => i + 1), "attempts count up from 1");
  assert.equal(attempts.at(-1), attemptCount);
  assert.deepEqual(serverSocket.handshake.auth, { n: authCalls.length }, "auth callback runs again");
  assert.ok(authCalls.length >= 2);
  await roundTrip(client, serverSocket);
});

clientTest("emits made while disconnected are delivered once, in order, after reconnection", async (t, lib) => {
  const { server, client, serverSocket: firstServerSocket } = await startPair(t, lib, { clientOpts: fastRetry });
  await upgraded(firstServerSocket);
  const gone = once(client, "disconnect");
  await server.close();
  await gone;
  for (let i = 0; i < 10; i++) client.emit("queued", i);

  const restarted = await startServer(t, { port: server.port });
  const received: number[] = [];
  restarted.io.on("connection", (s) => s.on("queued", (n: number) => received.push(n)));
  const back = nextConnection(restarted.io.of("/"), 15_000);
  const [serverSocket] = await Promise.all([back, connected(client, 15_000)]);
  await roundTrip(client, serverSocket);
  assert.deepEqual(received, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

clientTest("reconnectionAttempts exhausted → reconnect_failed after that many attempts", async (t, lib) => {
  // A port where nothing listens any more.
  const gone = await startServer(t);
  await gone.close();
  const client = track(t, lib.io(gone.url, { ...fastRetry, reconnectionAttempts: 3 }));
  const attempts: number[] = [];
  let errors = 0;
  client.io.on("reconnect_attempt", (n: number) => attempts.push(n));
  client.io.on("reconnect_error", (err: Error) => {
    assert.ok(err instanceof Error);
    errors++;
  });
  const connectErrors: Error[] = [];
  client.on("connect_error", (err: Error) => connectErrors.push(err));
  await once(loose(client.io), "reconnect_failed", { timeoutMs: 15_000 });
  assert.deepEqual(attempts, [1, 2, 3]);
  assert.equal(errors, 3);
  assert.ok(connectErrors.length >= 1, "the socket hears about the failures");
  assert.ok(connectErrors.every((e) => e instanceof Error));
  assert.equal(client.connected, false);
});

clientTest("reconnection: false → one connect_error and no attempt", async (t, lib) => {
  const gone = await startServer(t);
  await gone.close();
  const client = track(t, lib.io(gone.url, { reconnection: false }));
  client.io.on("reconnect_attempt", () => assert.fail("no reconnection attempt when reconnection is false"));
  const [err] = await once<[Error]>(client, "connect_error");
  assert.ok(err instanceof Error);
  assert.equal(client.connected, false);
});

clientTest("manager timeout → connect_error when the server never answers the handshake", async (t, lib) => {
  // A real socket.io server whose allowRequest holds every request (polling or WebSocket upgrade) unanswered.
  const held: Array<(err: string | null | undefined, ok: boolean) => void> = [];
  const server = await startServer(t, { allowRequest: (_req, decide) => void held.push(decide) });
  try {
    const client = track(t, lib.io(server.url, { timeout: 100, reconnection: false }));
    const [err] = await once<[Error]>(client, "connect_error");
    assert.ok(err instanceof Error);
    assert.equal(err.message, "timeout");
    assert.equal(client.connected, false);
    assert.ok(held.length >= 1, "the server did receive the handshake request");
  } finally {
    // Refuse the held requests: a WebSocket upgrade left pending would keep the server from closing.
    for (const decide of held) decide("test over", false);
  }
});

clientTest("manager.reconnection() and friends read and set the options", async (t, lib) => {
  const server = await startServer(t);
  const client = track(t, lib.io(server.url, { autoConnect: false, reconnectionAttempts: 7, reconnectionDelay: 123 }));
  const manager = client.io;
  assert.equal(manager.reconnection(), true);
  assert.equal(manager.reconnectionAttempts(), 7);
  assert.equal(manager.reconnectionDelay(), 123);
  assert.equal(manager.reconnection(false), manager, "setters chain");
  assert.equal(manager.reconnection(), false);
  manager.reconnectionDelayMax(999);
  assert.equal(manager.reconnectionDelayMax(), 999);
  manager.randomizationFactor(0.1);
  assert.equal(manager.randomizationFactor(), 0.1);
  manager.timeout(4321);
  assert.equal(manager.timeout(), 4321);
});

clientTest("Manager open/error events: 'open' on connect, 'error' when the server is unreachable", async (t, lib) => {
  const server = await startServer(t);
  const manager = new lib.Manager(server.url, { autoConnect: false, reconnection: false });
  const socket = track(t, manager.socket("/"));
  const opened = once(loose(manager), "open");
  socket.connect();
  await opened;
  await connected(socket);
  socket.disconnect();

  const gone = await startServer(t);
  await gone.close();
  const unreachable = new lib.Manager(gone.url, { autoConnect: false, reconnection: false });
  const s2 = track(t, unreachable.socket("/"));
  const errored = once<[Error]>(loose(unreachable), "error");
  s2.connect();
  const [err] = await errored;
  assert.ok(err instanceof Error);
});
