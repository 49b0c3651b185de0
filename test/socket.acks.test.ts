// Proves acknowledgements both ways: callbacks and emitWithAck, replies to the server (sent once), binary
// payloads in acks, timeout() / ackTimeout, retries (at-least-once, in order, across a reconnection), and
// what happens to pending acknowledgements when the connection drops.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ServerSocket } from "socket.io";
import { startServer, type TestServer } from "./helpers/server";
import { once } from "./helpers/wait";
import { io, SioError, TimeoutError, type ManagerOptions, type Socket, type SocketOptions } from "../src/index";

function track<S extends Socket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

const fast = { reconnectionDelay: 20, reconnectionDelayMax: 40, forceNew: true } as const;

async function pair(
  t: TestContext,
  clientOpts: ManagerOptions & SocketOptions = {},
  onServer?: (server: TestServer) => void,
): Promise<{ server: TestServer; client: Socket; serverSocket: ServerSocket }> {
  const server = await startServer(t);
  onServer?.(server);
  const serverSide = once<[ServerSocket]>(server.io, "connection");
  const client = track(t, io(server.url, { ...fast, ...clientOpts }));
  const [serverSocket] = await serverSide;
  if (!client.connected) await once(client, "connect");
  return { server, client, serverSocket };
}

/** Counts Socket.IO ACK packets (type 3 or 6) this client writes. */
function countAcksSent(client: Socket): { readonly value: number } {
  const counter = { value: 0 };
  client.io.engine.on("packetCreate", (packet) => {
    if (packet.type === "message" && typeof packet.data === "string" && /^[36]/.test(packet.data)) counter.value++;
  });
  return counter;
}

test("callback acks and emitWithAck receive the server's reply", async (t) => {
  const { client, serverSocket } = await pair(t);
  serverSocket.on("sum", (a: number, b: number, ack: (s: number, note: string) => void) => ack(a + b, "ok"));
  const viaCallback = await new Promise<unknown[]>((resolve) => client.emit("sum", 2, 3, (...reply: unknown[]) => resolve(reply)));
  assert.deepEqual(viaCallback, [5, "ok"]);
  assert.equal(await client.emitWithAck("sum", 4, 5), 9, "emitWithAck resolves to the first reply argument");
});

test("replies to the server's acks: calling the reply function twice sends one ACK", async (t) => {
  const { client, serverSocket } = await pair(t);
  const acks = countAcksSent(client);
  client.on("question", (q: string, reply: (answer: string) => void) => {
    reply(`${q}!`);
    reply("again");
  });
  const answer = await serverSocket.timeout(5000).emitWithAck("question", "why");
  assert.equal(answer, "why!");
  // A round trip after it: anything else the client sent would have arrived by now.
  serverSocket.on("ping-back", (ack: () => void) => ack());
  await client.emitWithAck("ping-back");
  assert.equal(acks.value, 1);
});

test("binary payloads travel in acks both ways", async (t) => {
  const { client, serverSocket } = await pair(t);
  serverSocket.on("file", (name: string, ack: (data: Buffer, meta: { name: string }) => void) =>
    ack(Buffer.from([1, 2, 3]), { name }),
  );
  const reply = await new Promise<unknown[]>((resolve) => client.emit("file", "a.bin", (...args: unknown[]) => resolve(args)));
  assert.ok(Buffer.isBuffer(reply[0]));
  assert.deepEqual([...(reply[0] as Buffer)], [1, 2, 3]);
  assert.deepEqual(reply[1], { name: "a.bin" });

  client.on("upload", (ack: (bytes: Uint8Array) => void) => ack(new Uint8Array([9, 8, 7])));
  const fromClient = (await serverSocket.timeout(5000).emitWithAck("upload")) as Buffer;
  assert.deepEqual([...fromClient], [9, 8, 7]);
});

test("timeout(): the callback gets a TimeoutError, emitWithAck rejects, a late reply is dropped", async (t) => {
  const { client, serverSocket } = await pair(t);
  let late: (() => void) | undefined;
  serverSocket.on("slow", (ack: (v: string) => void) => {
    late = () => ack("too late");
  });
  const calls: unknown[][] = [];
  await new Promise<void>((resolve) => {
    client.timeout(50).emit("slow", (...args: unknown[]) => {
      calls.push(args);
      resolve();
    });
  });
  assert.equal(calls.length, 1);
  const [err] = calls[0] as [Error];
  assert.ok(err instanceof TimeoutError);
  assert.equal(err.message, "operation has timed out");
  late?.();
  serverSocket.on("sync", (ack: () => void) => ack());
  await client.emitWithAck("sync");
  assert.equal(calls.length, 1, "the late reply found nobody waiting");

  await assert.rejects(client.timeout(50).emitWithAck("slow"), (e: unknown) => e instanceof TimeoutError);
  assert.throws(() => client.timeout(-1), { code: "ERR_INVALID_ARG" });
});

test("timeout() on an answered emit: error-first callback with null, emitWithAck resolves", async (t) => {
  const { client, serverSocket } = await pair(t);
  serverSocket.on("fast", (ack: (v: string) => void) => ack("done"));
  const args = await new Promise<unknown[]>((resolve) => client.timeout(5000).emit("fast", (...a: unknown[]) => resolve(a)));
  assert.deepEqual(args, [null, "done"]);
  assert.equal(await client.timeout(5000).emitWithAck("fast"), "done");
});

test("ackTimeout option: every callback is error-first and bounded", async (t) => {
  const { client, serverSocket } = await pair(t, { ackTimeout: 50 });
  serverSocket.on("fast", (ack: (v: string) => void) => ack("done"));
  serverSocket.on("never", () => {});
  const ok = await new Promise<unknown[]>((resolve) => client.emit("fast", (...a: unknown[]) => resolve(a)));
  assert.deepEqual(ok, [null, "done"]);
  const failed = await new Promise<unknown[]>((resolve) => client.emit("never", (...a: unknown[]) => resolve(a)));
  assert.ok(failed[0] instanceof TimeoutError);
});

test("an ack that times out before its packet could be sent: the packet is never sent", async (t) => {
  const server = await startServer(t);
  const received: string[] = [];
  server.io.on("connection", (s) => s.onAny((ev: string) => received.push(ev)));
  const client = track(t, io(server.url, { ...fast, autoConnect: false }));
  const [err] = await new Promise<unknown[]>((resolve) => client.timeout(10).emit("stale", (...a: unknown[]) => resolve(a)));
  assert.ok(err instanceof TimeoutError);
  assert.equal(client.sendBuffer.length, 0);
  client.emit("fresh");
  client.connect();
  await once(client, "connect");
  const serverSocket = [...server.io.sockets.sockets.values()][0] as ServerSocket;
  serverSocket.on("sync", (ack: () => void) => ack());
  await client.emitWithAck("sync");
  assert.deepEqual(received, ["fresh", "sync"]);
});

test("retries: resent until acknowledged, the callback called once with the reply", async (t) => {
  const { client, serverSocket } = await pair(t, { retries: 3, ackTimeout: 50 });
  const seen: string[] = [];
  serverSocket.on("job", (id: string, ack: (r: string) => void) => {
    seen.push(id);
    // Ignore the first two tries.
    if (seen.filter((x) => x === id).length === 3) ack(`done:${id}`);
  });
  const calls: unknown[][] = [];
  const result = await new Promise<unknown[]>((resolve) =>
    client.emit("job", "a", (...args: unknown[]) => {
      calls.push(args);
      resolve(args);
    }),
  );
  assert.deepEqual(result, [null, "done:a"]);
  assert.deepEqual(seen, ["a", "a", "a"]);
  assert.equal(calls.length, 1);
});

test("retries: one emit in flight at a time, in order; exhausted retries fail with the error", async (t) => {
  const { client, serverSocket } = await pair(t, { retries: 1, ackTimeout: 50 });
  const seen: string[] = [];
  serverSocket.on("job", (id: string, ack: (r: string) => void) => {
    seen.push(id);
    if (id !== "never") ack(id);
  });
  const results = await Promise.allSettled([
    client.emitWithAck("job", "first"),
    client.emitWithAck("job", "never"),
    client.emitWithAck("job", "last"),
  ]);
  assert.deepEqual(seen, ["first", "never", "never", "last"], "two tries for `never`, and `last` only after it");
  assert.deepEqual(results[0], { status: "fulfilled", value: "first" });
  assert.equal(results[1].status, "rejected");
  assert.ok((results[1] as PromiseRejectedResult).reason instanceof TimeoutError);
  assert.deepEqual(results[2], { status: "fulfilled", value: "last" });
});

test("retries survive a reconnection: the unacknowledged emit is sent again on the new connection", async (t) => {
  const { server, client, serverSocket } = await pair(t, { retries: 5 });
  let firstTry = true;
  const tries: string[] = [];
  server.io.on("connection", (s) =>
    s.on("job", (id: string, ack: (r: string) => void) => {
      tries.push(`${s.id}:${id}`);
      ack(`ok:${id}`);
    }),
  );
  serverSocket.on("job", (id: string) => {
    tries.push(`${serverSocket.id}:${id}`);
    if (firstTry) {
      firstTry = false;
      serverSocket.conn.close(); // drop it without acknowledging
    }
  });
  const reply = await client.emitWithAck("job", "x");
  assert.equal(reply, "ok:x");
  assert.equal(tries.length, 2);
  assert.notEqual(tries[0]?.split(":")[0], tries[1]?.split(":")[0], "the second try went over the new connection");
});

test("when the connection drops, sent error-first acks fail; unsent ones wait for the next connection", async (t) => {
  const { server, client, serverSocket } = await pair(t);
  serverSocket.on("hang", () => {});
  server.io.on("connection", (s) => s.on("later", (ack: (v: string) => void) => ack("answered")));
  const hanging = client.emitWithAck("hang");
  await new Promise<void>((resolve) => serverSocket.once("hang", () => resolve()));
  const gone = once(client, "disconnect");
  serverSocket.conn.close();
  await assert.rejects(hanging, (e: unknown) => e instanceof SioError && e.message === "socket has been disconnected");
  await gone;
  // Emitted while disconnected: buffered, and its ack survives until the reconnection.
  const later = client.emitWithAck("later");
  assert.equal(client.sendBuffer.length, 1);
  assert.equal(await later, "answered");
});

test("reserved names cannot be emitted and unencodable arguments throw at the emit", async (t) => {
  const { client } = await pair(t);
  for (const name of ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]) {
    assert.throws(
      () => client.emit(name),
      (e: unknown) => e instanceof SioError && e.code === "ERR_INVALID_ARG" && e.message.includes(`"${name}"`),
    );
  }
  await assert.rejects(client.emitWithAck("connect"), { code: "ERR_INVALID_ARG" });
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  let called = false;
  assert.throws(() => client.emit("bad", circular, () => (called = true)), { code: "ERR_INVALID_ARG" });
  assert.equal(called, false);
  // The socket is unharmed.
  client.emit("fine", 1);
  assert.equal(client.connected, true);
});
