// Where a WebSocket connect's time goes: the library's own JavaScript against everything else (the TCP connect,
// `ws`, Node's HTTP upgrade, the kernel), from a CPU profile, for siolink and socket.io-client side by side.
//
//   node bench/connect-profile.mjs [rounds=3] [connects=300]
//   siolink is loaded from SIOLINK_ENTRY (a path), else .tmp/bench/siolink.mjs (node bench/build-node.mjs).
//
// One bench/server.mjs for the whole run. Each (round, library) is a fresh process that warms up with 20
// connects, then makes `connects` more one after another (each `io(url, { forceNew, transports: ["websocket"] })`
// → `connect`, then disconnect and a 20 ms pause outside the timed window, as in the connect-ws scenario) under
// V8's sampling CPU profiler (one sample per 100 µs). Rounds alternate the order of the libraries.
//
// Per connect, medians over the rounds:
// - connect ms: the median time from io() to the `connect` event;
// - busy ms: sampled time not idle (the whole process: library, `ws`, node:net and node:http, GC);
// - library ms: samples whose stack holds a frame of the library (siolink's bundle; socket.io-client,
//   engine.io-client and their parsers and emitter), so what the library calls into (`ws`, sockets) counts too;
// - library self ms: samples whose top frame is the library's own code.
// The raw `ws` floor of the connect-ws scenario runs no library code: its connect ms is the network and server part.

import { spawn } from "node:child_process";
import { Session } from "node:inspector/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BENCH_DIR, loadIo, median, ROOT, startServer, table } from "./common.mjs";

const LIBS = ["siolink", "socket.io-client"];
const SETTLE_MS = 20;
const WARM = 20;
// socket.io-client's code: its own modules and the packages it brings (siolink's bundle is matched by its URL).
const OFFICIAL_CODE = /node_modules\/(socket\.io-client|engine\.io-client|engine\.io-parser|socket\.io-parser|@socket\.io\/component-emitter|debug)\//;

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4], Number(process.argv[5]));
} else {
  await driver(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 300));
}

async function driver(rounds, connects) {
  const server = await startServer(join(BENCH_DIR, "server.mjs"));
  const results = Object.fromEntries(LIBS.map((lib) => [lib, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? LIBS : [...LIBS].reverse();
      for (const lib of order) {
        const result = await runChild(lib, server.url, connects);
        console.log(`round ${round + 1}/${rounds} ${lib.padEnd(16)} ${JSON.stringify(result)}`);
        results[lib].push(result);
      }
    }
  } finally {
    await server.stop();
  }
  const metrics = [
    ["connect ms (median)", "connectMs"],
    ["busy ms per connect", "busyMs"],
    ["library ms per connect", "libraryMs"],
    ["library self ms per connect", "librarySelfMs"],
  ];
  const rows = metrics.map(([label, key]) => {
    const [a, b] = LIBS.map((lib) => median(results[lib].map((r) => r[key])));
    // The ratio is the median of per-round ratios, as bench/run.mjs reports them.
    const ratio = median(results.siolink.map((r, i) => r[key] / results["socket.io-client"][i][key]));
    return [label, a.toFixed(3), b.toFixed(3), ratio.toFixed(2)];
  });
  console.log(`\n${rounds} rounds of ${connects} WebSocket connects per library (node ${process.version})`);
  console.log(table(rows, ["metric", "siolink", "socket.io-client", "sl/sio"]));
}

function runChild(lib, url, connects) {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", lib, url, String(connects)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.once("exit", (code) => {
      const line = out.trim().split("\n").pop();
      if (code !== 0 || !line) fail(new Error(`${lib} child exited with ${code}: ${out}`));
      else done(JSON.parse(line));
    });
  });
}

async function child(lib, url, connects) {
  const entry = pathToFileURL(resolve(process.env.SIOLINK_ENTRY ?? join(ROOT, ".tmp", "bench", "siolink.mjs"))).href;
  const io = await loadIo(lib, { siolinkEntry: entry });
  const connectOnce = () =>
    new Promise((ok, fail) => {
      const t0 = performance.now();
      const socket = io(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
      socket.once("connect", () => ok([socket, performance.now() - t0]));
      socket.once("connect_error", fail);
    });
  const run = async (count, times) => {
    for (let i = 0; i < count; i++) {
      const [socket, ms] = await connectOnce();
      times?.push(ms);
      socket.disconnect();
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    }
  };
  await run(WARM);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  const times = [];
  await run(connects, times);
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();

  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const id of node.children ?? []) parentOf.set(id, node.id);
  const isLibrary = (id) => {
    const { url } = nodes.get(id).callFrame;
    // siolink's bundle inlines its Socket.IO code; engine.io-parser and the emitter stay packages for both.
    return url === entry || OFFICIAL_CODE.test(url);
  };
  const underLibrary = new Map();
  const inLibrary = (id) => {
    if (!underLibrary.has(id)) {
      const parent = parentOf.get(id);
      underLibrary.set(id, isLibrary(id) || (parent !== undefined && inLibrary(parent)));
    }
    return underLibrary.get(id);
  };
  let busy = 0;
  let library = 0;
  let librarySelf = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    if (nodes.get(id).callFrame.functionName === "(idle)") return;
    busy += us;
    if (inLibrary(id)) library += us;
    if (isLibrary(id)) librarySelf += us;
  });
  const perConnect = (us) => us / 1000 / connects;
  console.log(
    JSON.stringify({
      connectMs: median(times),
      busyMs: perConnect(busy),
      libraryMs: perConnect(library),
      librarySelfMs: perConnect(librarySelf),
    }),
  );
  process.exit(0);
}
