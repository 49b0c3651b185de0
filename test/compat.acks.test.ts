// Drop-in proof, acknowledgements: callbacks, emitWithAck, timeouts, double replies, retries and acks pending
// at disconnect behave the same on socket.io-client and siolink against a real socket.io 4.8 server.

import assert from "node:assert/strict";
import { once } from "./helpers/wait";
import { clientTest, roundTrip, startPair } from "./helpers/clients";

type Ack = (...args: unknown[]) => void;

clientTest("client → server ack with a callback, several values, binary included", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  serverSocket.on("sum", (a: number, b: number, ack: Ack) => ack(a + b, "done", Buffer.from([7])));
  const reply = await new Promise<unknown[]>((resolve) => client.emit("sum", 2, 3, (...args: unknown[]) => resolve(args)));
  assert.equal(reply[0], 5);
  assert.equal(reply[1], "done");
  assert.ok(Buffer.isBuffer(reply[2]));
  assert.deepEqual([...(reply[2] as Buffer)], [7]);
});

clientTest("server → client ack: the client's handler gets a callback as last argument", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  client.on("double", (n: number, ack: Ack) => ack(n * 2, { echo: n }));
  const viaCallback = await new Promise<unknown[]>((resolve) =>
    serverSocket.emit("double", 21, (...args: unknown[]) => resolve(args)),
  );
  assert.deepEqual(viaCallback, [42, { echo: 21 }]);
  assert.equal(await serverSocket.timeout(5000).emitWithAck("double", 4), 8);
  client.on("bin", (ack: Ack) => ack(Buffer.from("b")));
  const bin = await serverSocket.timeout(5000).emitWithAck("bin");
  assert.equal(Buffer.from(bin as Buffer).toString(), "b");
});

clientTest("emitWithAck resolves with the ack's first argument", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  serverSocket.on("get", (key: string, ack: Ack) => ack({ key, value: key.length }));
  assert.deepEqual(await client.emitWithAck("get", "abcd"), { key: "abcd", value: 4 });
  // Concurrent calls resolve each with its own reply.
  const many = await Promise.all(["a", "bb", "ccc"].map((k) => client.emitWithAck("get", k)));
  assert.deepEqual(many.map((r) => (r as { value: number }).value), [1, 2, 3]);
});

clientTest("timeout(ms).emit: error-first callback, with an Error when the server never acks", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  serverSocket.on("never", () => {});
  serverSocket.on("soon", (ack: Ack) => ack("v"));
  const [err, ...rest] = await new Promise<unknown[]>((resolve) =>
    client.timeout(50).emit("never", (...args: unknown[]) => resolve(args)),
  );
  assert.ok(err instanceof Error, "first argument is an Error");
  assert.deepEqual(rest, []);
  const acked = await new Promise<unknown[]>((resolve) =>
    client.timeout(5000).emit("soon", (...args: unknown[]) => resolve(args)),
  );
  assert.deepEqual(acked, [null, "v"]);
});

clientTest("timeout().emitWithAck rejects when never acked, resolves when acked", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  serverSocket.on("never", () => {});
  serverSocket.on("soon", (n: number, ack: Ack) => ack(n + 1));
  await assert.rejects(client.timeout(50).emitWithAck("never"), Error);
  assert.equal(await client.timeout(5000).emitWithAck("soon", 1), 2);
  // The timeout flag applies to one emit only.
  assert.equal(await client.emitWithAck("soon", 5), 6);
});

clientTest("ackTimeout option: error-first callbacks time out without timeout()", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { ackTimeout: 50 } });
  serverSocket.on("never", () => {});
  const [err] = await new Promise<unknown[]>((resolve) =>
    client.emit("never", (...args: unknown[]) => resolve(args)),
  );
  assert.ok(err instanceof Error);
});

clientTest("an ack callback called twice by the server side reaches the client once", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  serverSocket.on("twice", (ack: Ack) => {
    ack(1);
    ack(2);
  });
  const calls: unknown[] = [];
  const first = new Promise<void>((resolve) =>
    client.emit("twice", (v: unknown) => {
      calls.push(v);
      resolve();
    }),
  );
  await first;
  await roundTrip(client, serverSocket);
  assert.deepEqual(calls, [1]);
});

clientTest("the client's ack callback called twice sends one reply", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  client.on("twice", (ack: Ack) => {
    ack("a");
    ack("b");
  });
  const calls: unknown[] = [];
  await new Promise<void>((resolve) =>
    serverSocket.emit("twice", (v: unknown) => {
      calls.push(v);
      resolve();
    }),
  );
  // Anything the client sent after its first reply arrives after a round trip; a second reply would too.
  await roundTrip(client, serverSocket);
  assert.deepEqual(calls, ["a"]);
});

clientTest("retries: a packet the server does not ack is sent again, and the ack comes back", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib, { clientOpts: { retries: 3, ackTimeout: 100 } });
  const received: number[] = [];
  serverSocket.on("job", (n: number, ack: Ack) => {
    received.push(n);
    // Drop the first delivery of each job, as a lost reply would.
    if (received.filter((r) => r === n).length > 1) ack(`done ${n}`);
  });
  const results = await Promise.all([1, 2].map((n) => client.emitWithAck("job", n)));
  assert.deepEqual(results, ["done 1", "done 2"]);
  // Retried packets go one at a time, in order.
  assert.deepEqual(received, [1, 1, 2, 2]);
});

clientTest("an ack pending when the socket disconnects rejects (emitWithAck with timeout)", async (t, lib) => {
  const { client, serverSocket } = await startPair(t, lib);
  const received = once(serverSocket, "pending");
  const pending = client.timeout(60_000).emitWithAck("pending");
  await received;
  serverSocket.disconnect();
  await assert.rejects(pending, Error);
});
