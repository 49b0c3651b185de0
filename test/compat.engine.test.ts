// Drop-in proof, `manager.engine`: what socket.io-client users reach on it (id, transport.name, readyState,
// write()/send(), close(), a replaced write(), and the packet, packetCreate, upgrade, upgradeError, drain,
// close and heartbeat events) behaves the same on socket.io-client and siolink against a real server.

import assert from "node:assert/strict";
import type { Duplex } from "node:stream";
import { clientTest, connected, nextConnection, roundTrip, startPair, track, upgraded } from "./helpers/clients";
import { startServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";

/** The engine as both clients expose it, seen with plain string events. */
interface Engine {
  id: string;
  readyState: string;
  transport: { name: string };
  write(data: string, options?: { compress?: boolean }, callback?: () => void): unknown;
  send(data: string, options?: { compress?: boolean }, callback?: () => void): unknown;
  close(): unknown;
  on(event: string, fn: (...args: any[]) => void): unknown;
  once(event: string, fn: (...args: any[]) => void): unknown;
  off(event: string, fn?: (...args: any[]) => void): unknown;
}

const engineOf = (socket: { io: { engine: unknown } }) => socket.io.engine as Engine;

clientTest("engine.id, engine.transport.name and engine.readyState", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { transports: ["websocket"] } });
  const engine = engineOf(client);
  assert.equal(engine.id, (serverSocket.conn as unknown as { id: string }).id);
  assert.equal(engine.transport.name, "websocket");
  assert.equal(engine.readyState, "open");
  const closed = once(engine, "close");
  client.disconnect();
  await closed;
  assert.equal(engine.readyState, "closed");
});

clientTest("engine.write() and engine.send() send a raw message, call back once flushed, then drain", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { transports: ["websocket"] } });
  const engine = engineOf(client);
  const received: unknown[][] = [];
  serverSocket.on("raw", (...args: unknown[]) => received.push(args));
  let drains = 0;
  engine.on("drain", () => drains++);
  const flushed: string[] = [];
  engine.write('2["raw","write"]', undefined, () => flushed.push("write"));
  engine.send('2["raw","send"]', { compress: false }, () => flushed.push("send"));
  await waitFor(() => received.length === 2, { what: "both raw messages" });
  assert.deepEqual(received, [["write"], ["send"]]);
  assert.deepEqual(flushed, ["write", "send"]);
  await waitFor(() => drains > 0, { what: "drain" });
});

clientTest("a replaced engine.write carries the client's own writes (emits, acks)", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { transports: ["websocket"] } });
  const engine = engineOf(client);
  const seen: unknown[] = [];
  const original = engine.write;
  engine.write = function (this: Engine, ...args: Parameters<Engine["write"]>) {
    seen.push(args[0]);
    return original.apply(this, args);
  };
  serverSocket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
  const received = once<[number]>(serverSocket, "fire");
  client.emit("fire", 1);
  assert.deepEqual(await received, [1]);
  assert.equal(await client.timeout(5000).emitWithAck("echo", "x"), "x");
  // The acknowledgement id is the client's first: 0.
  assert.deepEqual(seen, ['2["fire",1]', '20["echo","x"]']);
});

clientTest("packet, packetCreate and heartbeat: received and created packets, a ping answered by a pong", async (t, lib) => {
  const server = await startServer(t, { pingInterval: 60, pingTimeout: 2000 });
  const serverSide = nextConnection(server.io.of("/"));
  const client = track(t, lib.io(server.url, { transports: ["websocket"], autoConnect: false }));
  const engine = (): Engine => engineOf(client);
  client.connect();
  const received: Array<{ type: string; data?: unknown }> = [];
  const created: Array<{ type: string; data?: unknown }> = [];
  let heartbeats = 0;
  engine().on("packet", (packet: { type: string; data?: unknown }) => received.push({ type: packet.type, data: packet.data }));
  engine().on("packetCreate", (packet: { type: string; data?: unknown }) => created.push({ type: packet.type, data: packet.data }));
  engine().on("heartbeat", () => heartbeats++);
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  assert.equal(received[0]?.type, "open");
  serverSocket.emit("news", "hi");
  await waitFor(() => received.some((p) => p.type === "message" && p.data === '2["news","hi"]'), { what: "the news message" });
  await waitFor(() => created.some((p) => p.type === "pong"), { what: "a pong" });
  assert.ok(received.some((p) => p.type === "ping"));
  // The CONNECT packet the client sent.
  assert.ok(created.some((p) => p.type === "message" && p.data === "0"));
  // Every packet received counts, the open packet included.
  assert.ok(heartbeats >= received.length - 1, `${heartbeats} heartbeats for ${received.length} packets`);
});

clientTest("upgrade: a polling session emits upgrade with the WebSocket transport", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { transports: ["polling", "websocket"] } });
  const engine = engineOf(client);
  if (engine.transport.name === "polling") {
    const [transport] = await once<[{ name: string }]>(engine, "upgrade");
    assert.equal(transport.name, "websocket");
  }
  await upgraded(serverSocket);
  assert.equal(engine.transport.name, "websocket");
  await roundTrip(client, serverSocket);
});

clientTest("upgradeError: a failed WebSocket probe is reported and the session stays on polling", async (t, lib) => {
  const server = await startServer(t);
  // Every WebSocket upgrade request is dropped: the polling session's probe fails.
  server.http.removeAllListeners("upgrade");
  server.http.on("upgrade", (_request: unknown, socket: Duplex) => socket.destroy());
  const serverSide = nextConnection(server.io.of("/"));
  const client = track(t, lib.io(server.url, { transports: ["polling", "websocket"], reconnection: false }));
  const failed = once<[Error & { transport?: string }]>(engineOf(client), "upgradeError");
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  const [error] = await failed;
  assert.ok(error instanceof Error);
  assert.match(error.message, /probe error/);
  assert.equal(error.transport, "websocket");
  assert.equal(engineOf(client).transport.name, "polling");
  await roundTrip(client, serverSocket);
});

clientTest("engine.close(): close event with \"forced close\", the sockets disconnect, the Manager reconnects", async (t, lib, name) => {
  const { client } = await startPair(t, lib, {
    clientOpts: { transports: ["websocket"], reconnectionDelay: 20, reconnectionDelayMax: 50 },
  });
  const engine = engineOf(client);
  const closed = once<[string]>(engine, "close");
  const disconnected = once<[string]>(client, "disconnect");
  const reconnected = once(client.io, "reconnect");
  engine.close();
  assert.equal((await closed)[0], "forced close");
  // socket.io-client hands its sockets "forced close" (not one of its DisconnectReasons): siolink says
  // "transport close" (README, differences table).
  assert.equal((await disconnected)[0], name === "siolink" ? "transport close" : "forced close");
  await reconnected;
  await connected(client);
  assert.notEqual(engineOf(client), engine);
});
