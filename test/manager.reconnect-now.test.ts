// Proves manager.reconnectNow(): during a long reconnection delay it connects at once to a restarted server,
// counts as a normal attempt (reconnect_attempt, reconnect_error, the next delay), never makes two attempts,
// does nothing when open or closed by the user, and leaves no timer behind. Also proves the network-return
// hooks at the Platform seam: registered only while waiting, removed when the wait ends, not at all when off.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";
import { io, Manager, type Socket } from "../src/index";
import { nodePlatform } from "../src/platform/node";
import type { Platform } from "../src/platform/platform";

/** Far longer than any bound below: an attempt that comes in time can only be reconnectNow()'s. */
const longWait = {
  forceNew: true,
  reconnectionDelay: 60_000,
  reconnectionDelayMax: 60_000,
  randomizationFactor: 0,
  transports: ["websocket" as const],
};

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

async function connected(socket: Socket): Promise<void> {
  if (!socket.connected) await once(socket, "connect");
}

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test("while waiting out a long delay, reconnectNow() reconnects to the restarted server at once", async (t) => {
  const first = await startServer(t);
  const client = track(t, io(first.url, longWait));
  await connected(client);
  const manager = client.io;
  // Connected, heartbeats on both sides: the timers a healthy connection needs.
  const connectedTimers = timeouts();

  const gone = once(client, "disconnect");
  await first.close();
  await gone;
  assert.equal(manager.state, "reconnecting");

  const second = await startServer(t, { port: first.port });
  const connections: ServerSocket[] = [];
  second.io.on("connection", (s) => connections.push(s));
  const attempts: number[] = [];
  manager.on("reconnect_attempt", (n) => attempts.push(n));
  const reconnected = once<[number]>(manager, "reconnect");

  assert.equal(manager.reconnectNow(), manager);
  assert.equal(manager.state, "opening");
  assert.deepEqual(attempts, [1], "reconnect_attempt is emitted as for a timer-started attempt");
  // A second call while the attempt is under way must not start another one.
  manager.reconnectNow();
  assert.deepEqual(attempts, [1]);

  assert.deepEqual(await reconnected, [1]);
  await connected(client);
  assert.equal(connections.length, 1);
  assert.equal(client.connected, true);

  // The 60 s reconnection timer is gone: the count is back to that of a healthy connection.
  await waitFor(() => timeouts() <= connectedTimers, { what: "the reconnection timer to be cleared" });
});

test("reconnectNow() does nothing while open, and nothing once closed by the user", async (t) => {
  const server = await startServer(t);
  let connections = 0;
  server.io.on("connection", () => connections++);
  const client = track(t, io(server.url, longWait));
  await connected(client);
  const manager = client.io;
  const engine = manager.engine;
  const attempts: number[] = [];
  manager.on("reconnect_attempt", (n) => attempts.push(n));

  assert.equal(manager.reconnectNow(), manager);
  assert.equal(manager.state, "open");
  assert.equal(manager.engine, engine, "the open session is kept");

  client.disconnect();
  assert.equal(manager.state, "closed");
  manager.reconnectNow();
  assert.equal(manager.state, "closed");
  assert.deepEqual(attempts, []);
  assert.equal(connections, 1);
});

test("reconnectNow() during the wait after the user closed the Manager does nothing", async (t) => {
  const gone = await startServer(t);
  await gone.close();
  const manager = new Manager(gone.url, longWait);
  t.after(() => manager.close());
  await once(manager, "error");
  assert.equal(manager.state, "reconnecting");
  manager.close();
  const attempts: number[] = [];
  manager.on("reconnect_attempt", (n) => attempts.push(n));
  manager.reconnectNow();
  assert.equal(manager.state, "closed");
  assert.deepEqual(attempts, []);
});

test("a failed reconnectNow() attempt counts like any other: reconnect_error, then the next attempt's delay", async (t) => {
  const gone = await startServer(t);
  await gone.close();
  const manager = new Manager(gone.url, longWait);
  t.after(() => manager.close());
  await once(manager, "error");
  assert.equal(manager.state, "reconnecting");
  const attempts: number[] = [];
  manager.on("reconnect_attempt", (n) => attempts.push(n));

  const failed = once<[Error]>(manager, "reconnect_error");
  manager.reconnectNow();
  assert.ok((await failed)[0] instanceof Error);
  assert.equal(manager.state, "reconnecting", "back to waiting, for attempt 2");

  const failedAgain = once(manager, "reconnect_error");
  manager.reconnectNow();
  await failedAgain;
  assert.deepEqual(attempts, [1, 2]);
});

/** The Node platform, with onLifecycle recording what the Manager registers (Node's own does nothing). */
function recordingPlatform(): { platform: Platform; registered: Parameters<Platform["onLifecycle"]>[0][]; removed: () => number } {
  const registered: Parameters<Platform["onLifecycle"]>[0][] = [];
  let removed = 0;
  const platform: Platform = {
    ...nodePlatform,
    onLifecycle(hooks) {
      registered.push(hooks);
      let done = false;
      return () => {
        if (!done) removed++;
        done = true;
      };
    },
  };
  return { platform, registered, removed: () => removed };
}

test("network-return hooks: registered only while waiting to reconnect; `online` attempts at once and removes them", async (t) => {
  const first = await startServer(t);
  const { platform, registered, removed } = recordingPlatform();
  const client = track(t, io(first.url, { ...longWait, platform }));
  await connected(client);
  const manager = client.io;
  // The sessions register their own hooks (offline): keep only the Manager's (online, visible).
  const waits = () => registered.filter((hooks) => hooks.online !== undefined || hooks.visible !== undefined);
  assert.equal(waits().length, 0, "nothing while connected");

  const gone = once(client, "disconnect");
  await first.close();
  await gone;
  assert.equal(manager.state, "reconnecting");
  assert.equal(waits().length, 1);
  const hooks = waits()[0]!;
  assert.equal(typeof hooks.online, "function");
  assert.equal(typeof hooks.visible, "function");
  const removedBefore = removed();

  await startServer(t, { port: first.port });
  hooks.online!();
  assert.equal(manager.state, "opening", "the attempt started at once");
  assert.equal(removed(), removedBefore + 1, "the hooks went with the wait");
  await once(manager, "reconnect");
  // The page coming back while connected changes nothing.
  hooks.visible!();
  assert.equal(manager.state, "open");
  assert.equal(waits().length, 1);
});

test("reconnectOnNetworkReturn: false registers no network-return hooks", async (t) => {
  const gone = await startServer(t);
  await gone.close();
  const { platform, registered } = recordingPlatform();
  const manager = new Manager(gone.url, { ...longWait, platform, reconnectOnNetworkReturn: false });
  t.after(() => manager.close());
  await once(manager, "error");
  assert.equal(manager.state, "reconnecting");
  assert.deepEqual(
    registered.filter((hooks) => hooks.online !== undefined || hooks.visible !== undefined),
    [],
  );
});
