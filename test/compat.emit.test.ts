// Drop-in proof, events: emits and binary both ways, volatile, compress, catch-all listeners, reserved names
// and send() behave the same on socket.io-client and siolink against a real socket.io 4.8 server.

import assert from "node:assert/strict";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { clientTest, connected, nextConnection, roundTrip, startPair, track } from "./helpers/clients";

clientTest("emit client → server with several arguments of every JSON type", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  const got = once<unknown[]>(serverSocket, "hello");
  client.emit("hello", 1, "two", { three: [3, null, true] }, [], "");
  assert.deepEqual(await got, [1, "two", { three: [3, null, true] }, [], ""]);
});

clientTest("emit server → client, in order, with on/once/off", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  const all: number[] = [];
  const first: number[] = [];
  const removed: number[] = [];
  const onRemoved = (n: number) => removed.push(n);
  client.on("n", (n: number) => all.push(n));
  client.once("n", (n: number) => first.push(n));
  client.on("n", onRemoved);
  client.off("n", onRemoved);
  assert.equal(client.hasListeners("n"), true);
  assert.equal(client.listeners("n").length, 2);
  for (let i = 0; i < 20; i++) serverSocket.emit("n", i);
  await roundTrip(client, serverSocket);
  assert.deepEqual(all, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(first, [0]);
  assert.deepEqual(removed, []);
});

clientTest("binary both ways arrives as Buffer, also nested and mixed with JSON", async (t, lib) => {
  for (const transports of [["websocket"], ["polling"]] as const) {
    const { client, serverSocket } = await startPair(t, lib, { clientOpts: { transports: [...transports] } });
    const up = once<unknown[]>(serverSocket, "up");
    client.emit("up", Buffer.from([1, 2, 3]), { nested: { bin: new Uint8Array([4, 5]), n: 6 } }, "s");
    const [buf, obj, s] = await up;
    assert.ok(Buffer.isBuffer(buf), `${transports[0]}: server gets a Buffer`);
    assert.deepEqual([...(buf as Buffer)], [1, 2, 3]);
    assert.deepEqual([...(obj as { nested: { bin: Buffer } }).nested.bin], [4, 5]);
    assert.equal((obj as { nested: { n: number } }).nested.n, 6);
    assert.equal(s, "s");

    const down = once<unknown[]>(client, "down");
    serverSocket.emit("down", Buffer.from("héllo"), { deep: [Buffer.alloc(0), Buffer.from([255])] });
    const [text, deep] = await down;
    assert.ok(Buffer.isBuffer(text), `${transports[0]}: client gets a Buffer in Node`);
    assert.equal((text as Buffer).toString("utf8"), "héllo");
    const parts = (deep as { deep: Buffer[] }).deep;
    assert.ok(parts.every((p) => Buffer.isBuffer(p)));
    assert.deepEqual(parts.map((p) => [...p]), [[], [255]]);
  }
});

clientTest("emits made before the connection completes are buffered and sent in order", async (t, lib) => {
  const server = await startServer(t);
  const got: number[] = [];
  const serverSide = nextConnection(server.io.of("/"));
  server.io.on("connection", (s) => s.on("early", (n: number) => got.push(n)));
  const client = track(t, lib.io(server.url));
  for (let i = 0; i < 5; i++) client.emit("early", i);
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  await roundTrip(client, serverSocket);
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
});

clientTest("volatile emit while disconnected is dropped; a normal one is buffered", async (t, lib) => {
  const server = await startServer(t);
  const events: string[] = [];
  const serverSide = nextConnection(server.io.of("/"));
  server.io.on("connection", (s) => s.onAny((event: string) => events.push(event)));
  const client = track(t, lib.io(server.url, { autoConnect: false }));
  client.volatile.emit("volatile-dropped", 1);
  client.emit("buffered", 2);
  client.connect();
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  await roundTrip(client, serverSocket);
  assert.deepEqual(events, ["buffered", "__roundtrip"]);
  // While connected, a volatile emit goes out.
  const got = once<[number]>(serverSocket, "volatile-sent");
  client.volatile.emit("volatile-sent", 3);
  assert.deepEqual(await got, [3]);
});

clientTest("compress(false) is accepted, chainable, and the event is delivered", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  const got = once<[string]>(serverSocket, "c");
  assert.equal(client.compress(false).emit("c", "x".repeat(2000)), client);
  assert.equal((await got)[0].length, 2000);
});

clientTest("onAny / prependAny / offAny / listenersAny on incoming events", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  const order: string[] = [];
  const a = (event: string, ...args: unknown[]) => order.push(`a:${event}:${JSON.stringify(args)}`);
  const b = (event: string) => order.push(`b:${event}`);
  client.onAny(a);
  client.prependAny(b);
  assert.deepEqual(client.listenersAny(), [b, a]);
  serverSocket.emit("first", 1, "x");
  await roundTrip(client, serverSocket);
  assert.deepEqual(order, ["b:first", 'a:first:[1,"x"]']);

  client.offAny(b);
  assert.deepEqual(client.listenersAny(), [a]);
  serverSocket.emit("second");
  await roundTrip(client, serverSocket);
  assert.deepEqual(order.slice(2), ["a:second:[]"]);

  client.offAny();
  assert.deepEqual(client.listenersAny(), []);
  serverSocket.emit("third");
  await roundTrip(client, serverSocket);
  assert.equal(order.length, 3);
});

clientTest("onAny does not see acks, connect or disconnect", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  const seen: string[] = [];
  client.onAny((event: string) => seen.push(event));
  serverSocket.on("q", (ack: (v: number) => void) => ack(1));
  assert.equal(await client.emitWithAck("q"), 1);
  serverSocket.emit("real");
  await roundTrip(client, serverSocket);
  assert.deepEqual(seen, ["real"]);
});

clientTest("onAnyOutgoing / prependAnyOutgoing / offAnyOutgoing see emits without the ack callback", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  serverSocket.on("with-ack", (_n: number, ack: (v: string) => void) => ack("ok"));
  const seen: string[] = [];
  const a = (event: string, ...args: unknown[]) => seen.push(`a:${event}:${JSON.stringify(args)}`);
  const b = (event: string) => seen.push(`b:${event}`);
  client.onAnyOutgoing(a);
  client.prependAnyOutgoing(b);
  assert.deepEqual(client.listenersAnyOutgoing(), [b, a]);

  client.emit("plain", 1, { x: 2 });
  assert.equal(await new Promise((resolve) => client.emit("with-ack", 7, resolve)), "ok");
  assert.deepEqual(seen, ["b:plain", 'a:plain:[1,{"x":2}]', "b:with-ack", "a:with-ack:[7]"]);

  client.offAnyOutgoing(b);
  assert.deepEqual(client.listenersAnyOutgoing(), [a]);
  client.offAnyOutgoing();
  assert.deepEqual(client.listenersAnyOutgoing(), []);
  client.emit("plain", 2);
  assert.equal(seen.length, 4);
  await roundTrip(client, serverSocket);
});

clientTest("reserved event names throw on emit", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  for (const name of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
    assert.throws(() => client.emit(name as "x"), Error, name);
  }
  // The socket is still fine afterwards.
  await roundTrip(client, serverSocket);
});

clientTest("send() is the 'message' event, both ways", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  const up = once<unknown[]>(serverSocket, "message");
  assert.equal(client.send("hi", 2), client);
  assert.deepEqual(await up, ["hi", 2]);
  const down = once<unknown[]>(client, "message");
  serverSocket.send("yo", { k: 1 });
  assert.deepEqual(await down, ["yo", { k: 1 }]);
});

clientTest("events to a room and broadcasts reach the client", async (t, lib) => {
  const { server, client, serverSocket } = await startPair(t, lib);
  serverSocket.join("room1");
  const inRoom = once<[string]>(client, "room-event");
  server.io.to("room1").emit("room-event", "r");
  assert.deepEqual(await inRoom, ["r"]);
  const everyone = once<[string]>(client, "all");
  server.io.emit("all", "b");
  assert.deepEqual(await everyone, ["b"]);
});
