// Proves the reconnection loop: recovery from a server restart with offline emits delivered once and in
// order, reconnectionAttempts → reconnect_failed, the connect timeout, timers driven by node:test's fake
// timers, the settings API, and a thousand reconnections that leave no listener or timer behind.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { Socket as ServerSocket } from "socket.io";
import { startServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";
import { io, Manager, TimeoutError, type Socket } from "../src/index";
import type { EngineSession } from "../src/engine/session";

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

async function connected(socket: Socket): Promise<void> {
  if (!socket.connected) await once(socket, "connect");
}

/** A URL nothing listens on: a server started and stopped at once. */
async function deadUrl(t: TestContext): Promise<string> {
  const gone = await startServer(t);
  await gone.close();
  return gone.url;
}

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, forceNew: true } as const;

test("after a server restart on the same port, emits made offline arrive once, in order", async (t) => {
  const first = await startServer(t);
  const client = track(t, io(first.url, fast));
  await connected(client);

  const gone = once<[string]>(client, "disconnect");
  await first.close();
  assert.equal((await gone)[0], "transport close");
  for (let i = 0; i < 10; i++) client.emit("n", i);
  assert.equal(client.sendBuffer.length, 10);

  const second = await startServer(t, { port: first.port });
  const received: number[] = [];
  second.io.on("connection", (s) => {
    s.on("n", (n: number) => received.push(n));
    s.on("sync", (ack: () => void) => ack());
  });
  await once(client.io, "reconnect");
  await connected(client);
  // Everything sent before the reply to "sync" has been handled by the server when it comes back.
  await client.timeout(10_000).emitWithAck("sync");
  assert.deepEqual(
    received,
    Array.from({ length: 10 }, (_, i) => i),
  );
  assert.equal(client.sendBuffer.length, 0);
});

test("reconnectionAttempts exhausted: attempt, error, ..., then reconnect_failed, and the loop stops", async (t) => {
  const url = await deadUrl(t);
  const client = track(t, io(url, { ...fast, reconnectionAttempts: 3 }));
  const events: string[] = [];
  client.io.on("reconnect_attempt", (n) => events.push(`attempt:${n}`));
  client.io.on("reconnect_error", () => events.push("error"));
  const failed = once(client.io, "reconnect_failed");
  let connectErrors = 0;
  client.on("connect_error", () => connectErrors++);
  await failed;
  assert.deepEqual(events, ["attempt:1", "error", "attempt:2", "error", "attempt:3", "error"]);
  assert.equal(connectErrors, 4, "the first open and three attempts");
  assert.equal(client.io.state, "closed");
  assert.equal(client.active, true, "the socket still wants to connect: connect() starts over");
});

test("reconnectionAttempts: 0 means no attempt at all", async (t) => {
  const url = await deadUrl(t);
  const client = track(t, io(url, { ...fast, reconnectionAttempts: 0 }));
  let attempts = 0;
  client.io.on("reconnect_attempt", () => attempts++);
  await once(client.io, "reconnect_failed");
  assert.equal(attempts, 0);
});

test("connect timeout: TimeoutError('timeout'), the attempt is abandoned, the loop goes on", async (t) => {
  // allowRequest never decides: the handshake hangs. Polling only, so the abandoned attempt is an HTTP
  // request the server can close (a hung WebSocket upgrade would keep the server from closing).
  const server = await startServer(t, { allowRequest: () => {} });
  const client = track(t, io(server.url, { ...fast, timeout: 100, transports: ["polling"] }));
  const engines: EngineSession[] = [];
  client.io.on("reconnect_attempt", () => engines.push(client.io.engine));
  const firstEngine = client.io.engine;
  const [managerError] = await once<[Error]>(client.io, "error");
  assert.ok(managerError instanceof TimeoutError);
  assert.equal(managerError.message, "timeout");
  assert.equal(managerError.code, "ERR_TIMEOUT");
  assert.equal(firstEngine.readyState, "closed", "the timed-out session was closed");
  const [socketError] = await once<[Error]>(client, "connect_error");
  assert.ok(socketError instanceof TimeoutError);
  await once(client.io, "reconnect_attempt");
});

test("timeout: false disables the connect timeout", async (t) => {
  const server = await startServer(t);
  const manager = new Manager(server.url, { autoConnect: false, timeout: false });
  t.after(() => manager.close());
  assert.equal(manager.timeout(), false);
  const socket = track(t, manager.socket("/"));
  socket.connect();
  await connected(socket);
});

test("the reconnection timer runs on the global timers: node:test fake timers drive it", async (t) => {
  // Timers armed before the fake ones are enabled get cleared through the fake clearTimeout, which cannot
  // cancel them: a short heartbeat lets those strays fire (harmlessly) soon instead of holding the process.
  const server = await startServer(t, { pingInterval: 200, pingTimeout: 200 });
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  const client = track(t, io(server.url, { forceNew: true, reconnectionDelay: 5000, randomizationFactor: 0 }));
  const [serverSocket] = await serverSide;
  await connected(client);

  t.mock.timers.enable({ apis: ["setTimeout"] });
  t.after(() => t.mock.timers.reset());
  const attempts: number[] = [];
  client.io.on("reconnect_attempt", (n) => attempts.push(n));
  const gone = new Promise<void>((resolve) => client.once("disconnect", () => resolve()));
  serverSocket.conn.close();
  await gone;
  assert.equal(client.io.state, "reconnecting");
  t.mock.timers.tick(4999);
  assert.deepEqual(attempts, []);
  t.mock.timers.tick(1);
  assert.deepEqual(attempts, [1]);
  assert.equal(client.io.state, "opening");
  t.mock.timers.reset();
  await once(client.io, "reconnect");
  await connected(client);
});

test("settings read and write: reconnection(), reconnectionAttempts(), delays, timeout()", async (t) => {
  const server = await startServer(t);
  const manager = new Manager(server.url, {
    autoConnect: false,
    reconnectionAttempts: 7,
    reconnectionDelay: 123,
    randomizationFactor: 0.25,
  });
  assert.equal(manager.reconnection(), true);
  assert.equal(manager.reconnectionAttempts(), 7);
  assert.equal(manager.reconnectionDelay(), 123);
  assert.equal(manager.reconnectionDelayMax(), 5000);
  assert.equal(manager.randomizationFactor(), 0.25);
  assert.equal(manager.timeout(), 20_000);
  assert.equal(manager.reconnection(false), manager);
  assert.equal(manager.reconnection(), false);
  manager.reconnectionAttempts(2).reconnectionDelay(5).reconnectionDelayMax(50).randomizationFactor(0).timeout(999);
  assert.deepEqual(
    [manager.reconnectionAttempts(), manager.reconnectionDelay(), manager.reconnectionDelayMax(), manager.randomizationFactor(), manager.timeout()],
    [2, 5, 50, 0, 999],
  );
  assert.equal(manager.opts.path, "/socket.io");
  assert.throws(() => manager.reconnectionDelay(-1), { code: "ERR_INVALID_ARG" });
  assert.throws(() => new Manager(server.url, { autoConnect: false, timeout: Number.NaN }), { code: "ERR_INVALID_ARG" });
  assert.equal(manager.state, "idle");
});

test("reconnection(false) while waiting cancels the timer; open() while waiting tries at once", async (t) => {
  const url = await deadUrl(t);
  const manager = new Manager(url, { reconnectionDelay: 60_000, randomizationFactor: 0 });
  t.after(() => manager.close());
  await once(manager, "error");
  assert.equal(manager.state, "reconnecting");
  manager.reconnection(false);
  assert.equal(manager.state, "closed");

  manager.reconnection(true);
  manager.open();
  await once(manager, "error");
  assert.equal(manager.state, "reconnecting");
  const attempt = once<[number]>(manager, "reconnect_attempt");
  manager.open();
  assert.deepEqual(await attempt, [1], "the pending attempt ran now instead of after the delay");
  assert.equal(manager.state, "opening");
});

test("open(cb): called once opened, or with the error (and then no reconnection loop)", async (t) => {
  const server = await startServer(t);
  const manager = new Manager(server.url, { autoConnect: false });
  t.after(() => manager.close());
  const result = await new Promise<Error | undefined>((resolve) => manager.open(resolve));
  assert.equal(result, undefined);
  assert.equal(manager.state, "open");
  manager.close();

  const dead = new Manager(await deadUrl(t), { autoConnect: false });
  t.after(() => dead.close());
  const failure = await new Promise<Error | undefined>((resolve) => dead.open(resolve));
  assert.ok(failure instanceof Error);
  assert.equal(dead.state, "closed", "no loop after an open(cb) failure");
});

test("a thousand reconnections leave no listener and no timer behind", { timeout: 120_000 }, async (t) => {
  const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const baselineTimers = timeouts();
  const cycles = 1000;
  const server = await startServer(t);
  let connections = 0;
  server.io.on("connection", (s) => {
    connections++;
    // Kill every connection right after the namespace handshake, until the last one.
    if (connections < cycles) s.conn.close();
  });

  const client = track(
    t,
    io(server.url, {
      forceNew: true,
      transports: ["websocket"],
      reconnectionDelay: 0,
      reconnectionDelayMax: 0,
    }),
  );
  const manager = client.io;
  const engineEvents = ["open", "close", "error", "data", "ping", "upgrade"] as const;
  const engineListeners = (engine: EngineSession) => engineEvents.map((ev) => engine.listeners(ev).length);
  const engines: EngineSession[] = [];
  let firstSessionListeners: number[] = [];
  let connects = 0;
  const done = new Promise<void>((resolve) => {
    client.on("connect", () => {
      connects++;
      if (connects === 1) firstSessionListeners = engineListeners(manager.engine);
      if (connects % 100 === 1) engines.push(manager.engine);
      if (connects === cycles) resolve();
    });
  });
  manager.on("reconnect", () => {});
  const managerEvents = ["open", "close", "error", "packet", "ping", "reconnect", "reconnect_attempt", "reconnect_error", "reconnect_failed"] as const;
  const managerBaseline = managerEvents.map((ev) => manager.listeners(ev).length);
  const socketBaseline = ["connect", "disconnect", "connect_error"].map((ev) => client.listeners(ev as "connect").length);
  await done;

  assert.equal(connections, cycles);
  assert.deepEqual(
    managerEvents.map((ev) => manager.listeners(ev).length),
    managerBaseline,
  );
  assert.deepEqual(
    ["connect", "disconnect", "connect_error"].map((ev) => client.listeners(ev as "connect").length),
    socketBaseline,
  );
  // The live session carries exactly what the first one carried; closed ones carry nothing of ours.
  const live = manager.engine;
  assert.deepEqual(engineListeners(live), firstSessionListeners);
  for (const engine of engines) {
    if (engine === live) continue;
    assert.equal(engine.readyState, "closed");
    assert.deepEqual(engineListeners(engine), [0, 0, 0, 0, 0, 0]);
  }
  assert.ok(engineListeners(live).every((n) => n <= 1), "at most one listener of ours per engine event");

  client.disconnect();
  await server.close();
  await waitFor(() => timeouts() <= baselineTimers, { what: "timers to drain back to the baseline" });
});

test("autoUnref: a Manager retrying forever does not keep Node alive", { timeout: 30_000 }, async (t) => {
  const url = await deadUrl(t);
  const entry = new URL("../src/index.ts", import.meta.url).href;
  const script = `
    const { io } = await import(${JSON.stringify(entry)});
    const socket = io(${JSON.stringify(url)}, { autoUnref: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
    socket.on("connect_error", () => process.stdout.write("e"));
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill());
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = await once<[number | null]>(child, "exit", { timeoutMs: 25_000 });
  assert.equal(code, 0);
  assert.ok(output.length >= 1, "it did try to connect");
});

test("a close listener that disconnects the socket gets one close: an already closed Manager emits no other", async (t) => {
  const server = await startServer(t);
  // The server drops every connection before the namespace answers: the Manager closes with reconnection off.
  server.io.engine.on("connection", (raw: { close(): void }) => setImmediate(() => raw.close()));
  const socket = io(server.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  t.after(() => socket.io._close());
  const reasons: string[] = [];
  socket.io.on("close", (reason) => {
    reasons.push(reason);
    socket.disconnect(); // closes the Manager again: it must not emit (and recurse) a second time
  });
  await waitFor(() => reasons.length > 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(reasons, ["transport close"]);
  // Idle (never opened): the first close is reported, a second is not.
  const idle = new Manager(server.url, { autoConnect: false });
  const idleReasons: string[] = [];
  idle.on("close", (reason) => idleReasons.push(reason));
  idle.close();
  idle.close();
  assert.deepEqual(idleReasons, ["forced close"]);
});
