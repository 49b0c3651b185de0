// Bytes allocated per received event, by allocation site: a measure of the receive path that, unlike CPU time,
// does not move with the machine's load (garbage is what the receive scenario's GC time comes from).
//
//   node bench/alloc.mjs [siolink|socket.io-client] [N=50000] [top=15]
//   siolink is loaded from SIOLINK_ENTRY (a path), else .tmp/bench/siolink.mjs (node bench/build-node.mjs).
//
// One WebSocket client of the library receives N `msg` events from bench/server.mjs (after a 20,000-event
// warm-up, so the hot path is optimized as in the receive scenario) while V8's sampling heap profiler records
// every allocation, those already collected included (one sample per 256 bytes on average). Printed: bytes per
// event in total, then by function, with its two nearest callers. Samples scatter: differences under ~2% are noise.

import { Session } from "node:inspector/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, loadIo, ROOT, startServer } from "./common.mjs";

const [lib = "siolink", nArg = "50000", topArg = "15"] = process.argv.slice(2);
const n = Number(nArg);
const entry = pathToFileURL(resolve(process.env.SIOLINK_ENTRY ?? join(ROOT, ".tmp", "bench", "siolink.mjs"))).href;
const io = await loadIo(lib, { siolinkEntry: entry });
const server = await startServer(join(BENCH_DIR, "server.mjs"));
const socket = io(server.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
await new Promise((ok, fail) => {
  socket.once("connect", ok);
  socket.once("connect_error", fail);
});

let received = 0;
const onMsg = () => received++;
const flood = (count) =>
  new Promise((done) => {
    socket.on("msg", onMsg);
    socket.once("flood-end", () => {
      socket.off("msg", onMsg);
      done();
    });
    socket.emit("flood", { n: count, payload: { i: 1, text: "hello world", ok: true } });
  });

await flood(20_000);
received = 0;
const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");
await session.post("HeapProfiler.startSampling", {
  samplingInterval: 256,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
await flood(n);
const { profile } = await session.post("HeapProfiler.stopSampling");
if (received !== n) throw new Error(`received ${received} events, expected ${n}`);

const bySite = new Map();
let total = 0;
const walk = (node, callers) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || "(anonymous)";
  if (node.selfSize > 0) {
    const where = `${name} ${url.replace(/^.*node_modules\//, "").replace(/^.*\//, "")}:${lineNumber + 1}`;
    const key = `${where}  <  ${callers.slice(-2).reverse().join(" < ")}`;
    bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  for (const child of node.children) walk(child, [...callers, name]);
};
walk(profile.head, []);
console.log(`${lib}: ${(total / n).toFixed(0)} bytes allocated per received event (${n} events)`);
for (const [site, bytes] of [...bySite].sort((x, y) => y[1] - x[1]).slice(0, Number(topArg))) {
  console.log(`${(bytes / n).toFixed(1).padStart(8)}  ${site}`);
}
socket.disconnect();
await server.stop();
process.exit(0);
