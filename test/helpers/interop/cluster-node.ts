// One node of the interop cluster, run as a child process (node --import tsx): a socket.io 4.8 server on
// 127.0.0.1 with @socket.io/redis-adapter. Prints one JSON line per fact the test reads: {"listening":port}
// when ready, {"connectionError":{code,message}} for every request the engine refuses (an unknown sid when a
// balancer without stickiness sends a polling request to the wrong node).
//
// Usage: cluster-node.ts <node-name> <redis-port>

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { requirePackage } from "./scenario-server";

interface RedisClient {
  connect(): Promise<unknown>;
  duplicate(): RedisClient;
  on(event: "error", fn: (error: Error) => void): unknown;
}

const [name, redisPort] = process.argv.slice(2);
if (name === undefined || redisPort === undefined) throw new Error("usage: cluster-node.ts <node-name> <redis-port>");

const { createClient } = requirePackage<{ createClient(options: { url: string }): RedisClient }>(
  "redis",
  '"redis": "^4.7.1"',
);
const { createAdapter } = requirePackage<{ createAdapter(pub: RedisClient, sub: RedisClient): unknown }>(
  "@socket.io/redis-adapter",
  '"@socket.io/redis-adapter": "^8.3.0"',
);

const say = (fact: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(fact)}\n`);
};

const pub = createClient({ url: `redis://127.0.0.1:${redisPort}` });
const sub = pub.duplicate();
for (const client of [pub, sub]) client.on("error", (error) => say({ redisError: error.message }));
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer();
const io = new Server(http, { adapter: createAdapter(pub, sub) as never });
io.engine.on("connection_error", (error: { code: number; message: string }) => {
  say({ connectionError: { code: error.code, message: error.message } });
});
io.on("connection", (socket) => {
  socket.on("whoami", (ack: (who: unknown) => void) => ack({ node: name, transport: socket.conn.transport.name }));
  // Sent to every client of every node: only the adapter can carry it to the other node's clients.
  socket.on("broadcast", (text: string, ack: () => void) => {
    io.emit("broadcast", { from: name, text });
    ack();
  });
});

http.listen(0, "127.0.0.1", () => say({ listening: (http.address() as AddressInfo).port }));
