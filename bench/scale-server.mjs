// Scale benchmark server: one socket.io 4.8 server process that counts connections, heartbeats and why
// connections ended, so the driver can prove that thousands of clients kept their heartbeats alive.
//
// Usage: node bench/scale-server.mjs '{"pingInterval":25000,"pingTimeout":20000}'
// Prints one JSON line `{"port":N}` on stdout once listening on 127.0.0.1; exits when stdin closes.
//
// Handlers:  "echo" payload, ack   acks the payload back
// HTTP GET /bench/stats  {connections, peak, pongs, disconnects: {reason: count}, cpuUserUs, cpuSystemUs, rss, rssPeak, heapUsed}

import { Server } from "socket.io";
import { serveUntilParentExits, statsServer } from "./common.mjs";

const opts = JSON.parse(process.argv[2] ?? "{}");

let connections = 0;
let peak = 0;
/** Pongs the server received: each one is a heartbeat a client answered in time. */
let pongs = 0;
const disconnects = {};
/** Highest resident set size seen, sampled twice a second: the driver asks only after the clients are gone. */
let rssPeak = 0;
setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 500).unref();

const http = statsServer((mem) => ({ connections, peak, pongs, disconnects, rssPeak: Math.max(rssPeak, mem.rss) }));

const io = new Server(http, {
  pingInterval: Number(opts.pingInterval) > 0 ? Number(opts.pingInterval) : 25_000,
  pingTimeout: Number(opts.pingTimeout) > 0 ? Number(opts.pingTimeout) : 20_000,
  // Same server for both clients: WebSocket only is what they are asked to use.
  transports: ["websocket"],
});

io.on("connection", (socket) => {
  connections++;
  if (connections > peak) peak = connections;
  socket.conn.on("heartbeat", () => {
    pongs++;
  });
  socket.on("echo", (payload, ack) => {
    if (typeof ack === "function") ack(payload);
  });
  socket.on("disconnect", (reason) => {
    connections--;
    disconnects[reason] = (disconnects[reason] ?? 0) + 1;
  });
});

// A deep backlog: the client opens up to --concurrency connections at once.
serveUntilParentExits(http, io, { backlog: 8192 });
