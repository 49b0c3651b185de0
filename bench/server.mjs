// Benchmark server: a real socket.io 4.8 server in its own process, with the handlers every scenario talks to.
//
// Started by bench/run.mjs. Prints one JSON line `{"port":N}` on stdout once listening on 127.0.0.1.
// It exits by itself when its parent goes away (stdin closes), so a crashed driver never leaves it behind.
//
// Handlers (all clients, including the hand-written raw one, speak to the same ones):
//   "sink"  payload            counted per socket, no reply
//   "count" ack                acks the socket's sink count; packets on one connection are processed in order,
//                              so this ack proves every earlier sink was received by the server
//   "echo"  payload, ack       acks the payload back
//   "bin"   buffer, ack        acks the binary payload back (binary ack)
//   "flood" {n, payload}       emits n "msg" events with that payload to the caller, then one "flood-end" event
// HTTP GET /bench/stats      {connections, sinkTotal, cpuUserUs, cpuSystemUs, rss, heapUsed} for the driver

import { Server } from "socket.io";
import { serveUntilParentExits, statsServer } from "./common.mjs";

const FLOOD_CHUNK = 1000;
const FLOOD_MAX = 10_000_000;

let connections = 0;
let sinkTotal = 0;

const http = statsServer(() => ({ connections, sinkTotal }));

const io = new Server(http, {
  // The 64 KiB binary scenario and polling batches stay well under this; a larger limit keeps big
  // polling POSTs from being rejected if a client batches more than the default allows.
  maxHttpBufferSize: 4e6,
});

io.on("connection", (socket) => {
  connections++;
  let sink = 0;
  let flooding = false;

  socket.on("sink", () => {
    sink++;
    sinkTotal++;
  });
  socket.on("count", (ack) => {
    if (typeof ack === "function") ack(sink);
  });
  socket.on("echo", (payload, ack) => {
    if (typeof ack === "function") ack(payload);
  });
  socket.on("bin", (buf, ack) => {
    if (typeof ack === "function") ack(buf);
  });
  socket.on("flood", (req) => {
    const n = Math.min(Math.max(0, Math.floor(Number(req?.n) || 0)), FLOOD_MAX);
    const payload = req?.payload ?? null;
    if (flooding) return;
    flooding = true;
    let sent = 0;
    // Chunks keep the server's event loop turning so the client sees a steady stream, not one giant burst.
    const step = () => {
      if (!socket.connected) {
        flooding = false;
        return;
      }
      const end = Math.min(n, sent + FLOOD_CHUNK);
      for (; sent < end; sent++) socket.emit("msg", payload);
      if (sent < n) {
        setImmediate(step);
      } else {
        flooding = false;
        socket.emit("flood-end", n);
      }
    };
    step();
  });
  socket.on("disconnect", () => {
    connections--;
  });
});

serveUntilParentExits(http, io, { backlog: 4096 });
