// Drop-in proof for the Manager and Socket members of socket.io-client's typings that no other compatibility
// test exercises (see the table in test/compat.surface.test.ts): sendBuffer, receiveBuffer, manager.opts,
// manager.connect(), and the emitter methods both inherit. Both clients, against a real socket.io server.

import assert from "node:assert/strict";
import { clientTest, connected, roundTrip, startPair, track } from "./helpers/clients";
import { startServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";

clientTest("socket.sendBuffer holds the emits made while disconnected; what is left in it is sent on connect", async (t, lib) => {
  const server = await startServer(t);
  const received: unknown[][] = [];
  server.io.on("connection", (socket) => socket.onAny((...args: unknown[]) => received.push(args)));
  const client = track(t, lib.io(server.url, { autoConnect: false, transports: ["websocket"] }));
  client.emit("a", 1);
  client.emit("b", { two: 2 });
  client.emit("c");
  assert.deepEqual(
    client.sendBuffer.map((packet) => packet.data),
    [["a", 1], ["b", { two: 2 }], ["c"]],
  );
  // socket.io-client apps drop stale emits by editing the buffer.
  client.sendBuffer = client.sendBuffer.filter((packet) => packet.data[0] !== "b");
  client.connect();
  await waitFor(() => received.length === 2, { what: "the two kept emits" });
  assert.deepEqual(received, [["a", 1], ["c"]]);
  assert.deepEqual(client.sendBuffer, []);
});

clientTest("socket.receiveBuffer holds events that arrive before the namespace's CONNECT reply", async (t, lib, name) => {
  const server = await startServer(t);
  // Written to the connection before the server sends CONNECT.
  server.io.use((socket, next) => {
    socket.emit("early", 1);
    next();
  });
  const client = track(t, lib.io(server.url, { autoConnect: false, transports: ["websocket"] }));
  const atConnect: unknown[] = [];
  const delivered: unknown[] = [];
  client.on("connect", () => atConnect.push(...client.receiveBuffer));
  client.on("early", (value: unknown) => delivered.push(value));
  assert.deepEqual(client.receiveBuffer, []);
  client.connect();
  await connected(client);
  await waitFor(() => delivered.length === 1, { what: "the early event" });
  assert.deepEqual(delivered, [1]);
  // socket.io-client empties it before `connect`; siolink right after (README, differences table).
  assert.deepEqual(atConnect, name === "siolink" ? [["early", 1]] : []);
  assert.deepEqual(client.receiveBuffer, []);
});

clientTest("manager.opts holds the options it was created with, path defaulted", async (t, lib) => {
  const server = await startServer(t);
  const manager = new lib.Manager(server.url, { autoConnect: false, reconnectionDelay: 10, transports: ["websocket"] });
  assert.equal(manager.opts.path, "/socket.io");
  assert.equal(manager.opts.reconnectionDelay, 10);
  assert.deepEqual(manager.opts.transports, ["websocket"]);
});

clientTest("manager.connect(cb) is open(cb): called once opened, or with the error", async (t, lib) => {
  const server = await startServer(t);
  const manager = new lib.Manager(server.url, { autoConnect: false, transports: ["websocket"] });
  t.after(() => manager._close());
  const opened = await new Promise<Error | undefined>((resolve) => manager.connect(resolve));
  assert.equal(opened, undefined);
  assert.equal(manager._readyState, "open");

  const gone = await startServer(undefined);
  await gone.close();
  const unreachable = new lib.Manager(gone.url, { autoConnect: false, transports: ["websocket"], reconnection: false });
  const failed = await new Promise<Error | undefined>((resolve) => unreachable.connect(resolve));
  assert.ok(failed instanceof Error);
});

clientTest("emitter methods: on, once, off, emit, listeners, hasListeners, removeListener, removeAllListeners", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { transports: ["websocket"] } });
  const manager = client.io;
  const calls: string[] = [];
  const a = () => calls.push("a");
  const b = () => calls.push("b");
  // On the Manager, emit() calls its own listeners.
  const local = manager as unknown as {
    on(ev: string, fn: () => void): unknown;
    once(ev: string, fn: () => void): unknown;
    off(ev?: string, fn?: () => void): unknown;
    emit(ev: string): unknown;
    listeners(ev: string): unknown[];
    hasListeners(ev: string): boolean;
    removeListener(ev?: string, fn?: () => void): unknown;
    removeAllListeners(ev?: string): unknown;
  };
  local.on("custom", a);
  local.once("custom", b);
  assert.deepEqual(local.listeners("custom").length, 2);
  local.emit("custom");
  local.emit("custom");
  assert.deepEqual(calls, ["a", "b", "a"]);
  local.removeListener("custom", a);
  assert.equal(local.hasListeners("custom"), false);
  local.on("custom", a);
  local.on("other", b);
  local.removeAllListeners("custom");
  assert.deepEqual([local.hasListeners("custom"), local.hasListeners("other")], [false, true]);
  local.off("other", b);
  assert.equal(local.hasListeners("other"), false);

  // On the Socket, the same methods hear the server's events (emit() sends: see compat.emit.test.ts).
  const news: string[] = [];
  const onNews = (text: string) => news.push(text);
  client.on("news", onNews);
  client.once("news", (text: string) => news.push(`once:${text}`));
  assert.equal(client.listeners("news").length, 2);
  assert.equal(client.hasListeners("news"), true);
  serverSocket.emit("news", "1");
  serverSocket.emit("news", "2");
  await roundTrip(client, serverSocket);
  assert.deepEqual(news, ["1", "once:1", "2"]);
  client.removeListener("news", onNews);
  assert.equal(client.hasListeners("news"), false);
  client.on("news", onNews);
  client.removeAllListeners("news");
  client.on("news", onNews);
  client.off("news", onNews);
  serverSocket.emit("news", "3");
  await roundTrip(client, serverSocket);
  assert.deepEqual(news, ["1", "once:1", "2"]);
  // off() without arguments removes every listener, reserved ones included.
  client.on("disconnect", () => calls.push("disconnect"));
  client.off();
  assert.equal(client.hasListeners("disconnect"), false);
  const closed = once(manager, "close");
  client.disconnect();
  await closed;
  assert.equal(calls.includes("disconnect"), false);
});
