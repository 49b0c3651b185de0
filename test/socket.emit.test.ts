// Proves the emit side and the listener API: volatile and compress flags, send(), catch-all listeners for
// incoming and outgoing events, on/once/off/listeners, and a custom parser (socket.io-msgpack-parser).

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import * as msgpackParser from "socket.io-msgpack-parser";
import { startServer, type TestServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { io, type ManagerOptions, type Socket } from "../src/index";
import type { EnginePacket } from "../src/engine/types";

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, forceNew: true } as const;

async function pair(
  t: TestContext,
  clientOpts: ManagerOptions = {},
  serverOpts: Parameters<typeof startServer>[1] = {},
): Promise<{ server: TestServer; client: Socket; serverSocket: ServerSocket }> {
  const server = await startServer(t, serverOpts);
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  const client = track(t, io(server.url, { ...fast, ...clientOpts }));
  const [serverSocket] = await serverSide;
  if (!client.connected) await once(client, "connect");
  return { server, client, serverSocket };
}

/** Resolves once the server has handled everything the client sent before. */
async function sync(client: Socket, serverSocket: ServerSocket): Promise<void> {
  if (serverSocket.listeners("__sync").length === 0) serverSocket.on("__sync", (ack: () => void) => ack());
  await client.timeout(10_000).emitWithAck("__sync");
}

test("volatile emits are dropped while disconnected, sent while connected", async (t) => {
  const server = await startServer(t);
  const received: string[] = [];
  server.io.on("connection", (s) => s.on("v", (tag: string) => received.push(tag)));
  const client = track(t, io(server.url, { ...fast, autoConnect: false }));
  client.volatile.emit("v", "offline");
  client.emit("v", "buffered");
  assert.equal(client.sendBuffer.length, 1, "the volatile emit was not buffered");
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  client.connect();
  const [serverSocket] = await serverSide;
  await once(client, "connect");
  await sync(client, serverSocket);
  client.volatile.emit("v", "online");
  await sync(client, serverSocket);
  assert.deepEqual(received, ["buffered", "online"]);
});

test("compress(false) reaches the engine packet; the flag applies to one emit only", async (t) => {
  const { client } = await pair(t);
  const flags: Array<boolean | undefined> = [];
  client.io.engine.on("packetCreate", (packet: EnginePacket) => {
    if (packet.type === "message") flags.push(packet.options?.compress);
  });
  client.compress(false).emit("a");
  client.emit("b");
  assert.deepEqual(flags, [false, true]);
});

test("send() emits a 'message' event", async (t) => {
  const { client, serverSocket } = await pair(t);
  const got = once<unknown[]>(serverSocket, "message");
  client.send("hi", 2);
  assert.deepEqual(await got, ["hi", 2]);
});

test("onAny / prependAny / offAny see every incoming event, in order", async (t) => {
  const { client, serverSocket } = await pair(t);
  const log: string[] = [];
  const first = (event: string, ...args: unknown[]) => log.push(`first:${event}:${args.join(",")}`);
  const second = (event: string) => log.push(`second:${event}`);
  client.onAny(second);
  client.prependAny(first);
  client.on("news", () => log.push("listener:news"));
  assert.deepEqual(client.listenersAny(), [first, second]);
  serverSocket.emit("news", 1, 2);
  await once(client, "news");
  assert.deepEqual(log, ["first:news:1,2", "second:news", "listener:news"]);
  client.offAny(first);
  assert.deepEqual(client.listenersAny(), [second]);
  client.offAny();
  assert.deepEqual(client.listenersAny(), []);
});

test("onAnyOutgoing sees every outgoing event when it is sent, buffered ones at flush time", async (t) => {
  const server = await startServer(t);
  const client = track(t, io(server.url, { ...fast, autoConnect: false }));
  const log: unknown[][] = [];
  const listener = (...args: unknown[]) => log.push(args);
  client.onAnyOutgoing(listener);
  client.emit("early", 1);
  assert.deepEqual([...log], [], "not sent yet");
  client.connect();
  await once(client, "connect");
  assert.deepEqual([...log], [["early", 1]]);
  client.emit("late", 2, () => {});
  assert.deepEqual([...log], [["early", 1], ["late", 2]], "ack callbacks are not part of it");
  const front = (...args: unknown[]) => log.push(["front", ...args]);
  client.prependAnyOutgoing(front);
  assert.deepEqual(client.listenersAnyOutgoing(), [front, listener]);
  client.offAnyOutgoing(listener);
  client.emit("third");
  assert.deepEqual(log.at(-1), ["front", "third"]);
  client.offAnyOutgoing();
  assert.deepEqual(client.listenersAnyOutgoing(), []);
});

test("on / once / off / listeners / hasListeners / removeAllListeners", async (t) => {
  const { client, serverSocket } = await pair(t);
  const calls: string[] = [];
  const onFoo = (v: string) => calls.push(`on:${v}`);
  const onceFoo = (v: string) => calls.push(`once:${v}`);
  client.on("foo", onFoo).once("foo", onceFoo);
  assert.equal(client.hasListeners("foo"), true);
  assert.equal(client.listeners("foo").length, 2);
  serverSocket.emit("foo", "1");
  serverSocket.emit("foo", "2");
  await new Promise<void>((resolve) => client.on("foo", (v: string) => v === "2" && resolve()));
  assert.deepEqual(calls, ["on:1", "once:1", "on:2"]);
  client.off("foo", onFoo);
  assert.equal(client.listeners("foo").length, 1);
  client.removeAllListeners("foo");
  assert.equal(client.hasListeners("foo"), false);
});

test("a custom parser (socket.io-msgpack-parser) works against a server using the same one", async (t) => {
  const { client, serverSocket } = await pair(t, { parser: msgpackParser }, { parser: msgpackParser });
  serverSocket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
  const payload = { n: 1, s: "x", list: [1, 2, 3], bin: Buffer.from([1, 2]) };
  const echoed = (await client.timeout(5000).emitWithAck("echo", payload)) as typeof payload;
  assert.equal(echoed.n, 1);
  assert.deepEqual(echoed.list, [1, 2, 3]);
  assert.deepEqual([...echoed.bin], [1, 2]);
  const news = once<unknown[]>(client, "news");
  serverSocket.emit("news", "hello", 42);
  assert.deepEqual(await news, ["hello", 42]);
});

test("binary anywhere in an event's arguments arrives intact", async (t) => {
  const { client, serverSocket } = await pair(t);
  const got = once<unknown[]>(serverSocket, "files");
  client.emit("files", { a: new Uint8Array([1, 2]), nested: [Buffer.from("xyz")] }, new ArrayBuffer(3));
  const [first, second] = await got;
  const { a, nested } = first as { a: Buffer; nested: Buffer[] };
  assert.deepEqual([...a], [1, 2]);
  assert.equal(nested[0]?.toString(), "xyz");
  assert.equal((second as Buffer).length, 3);

  const incoming = once<unknown[]>(client, "blob");
  serverSocket.emit("blob", Buffer.from([7, 7]));
  const [data] = await incoming;
  assert.ok(Buffer.isBuffer(data));
});

test("events the server sends under reserved names reach no listener, not even onAny", async (t) => {
  const { client, serverSocket } = await pair(t);
  const seen: string[] = [];
  client.onAny((event: string) => seen.push(`any:${event}`));
  client.on("disconnect", () => seen.push("disconnect"));
  client.on("connect", () => seen.push("connect"));
  // Raw Socket.IO EVENT packets, straight on the Engine.IO connection (socket.io's emit() refuses them).
  for (const name of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
    serverSocket.conn.send(`2["${name}","spoofed"]`);
  }
  await sync(client, serverSocket);
  assert.deepEqual(seen, []);
  assert.equal(client.connected, true);
});

test("a received event reaches the listeners registered when it arrived: once() ones once, ones added meanwhile from the next event", async (t) => {
  const { client, serverSocket } = await pair(t);
  const calls: string[] = [];
  const late = (n: number): number => calls.push(`late ${n}`);
  client.on("e", (n: number) => {
    calls.push(`first ${n}`);
    if (n === 1) client.on("e", late);
  });
  client.once("e", (n: number) => calls.push(`once ${n}`));
  client.on("e", (n: number, extra: unknown) => calls.push(`last ${n} ${String(extra)}`));
  const done = once(client, "done");
  serverSocket.emit("e", 1);
  serverSocket.emit("e", 2, "x");
  serverSocket.emit("done");
  await done;
  assert.deepEqual(calls, ["first 1", "once 1", "last 1 undefined", "first 2", "last 2 x", "late 2"]);
});
