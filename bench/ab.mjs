// A/B: two siolink builds and socket.io-client, paired round by round, in one run. For trying a change before
// committing it: build the patched copy of src/ (`node bench/build-node.mjs OUT.mjs COPY/src`), then compare it
// with a build of the tree as it is. Not a test: it asserts nothing.
//
//   node bench/ab.mjs --a .tmp/a.mjs --b .tmp/b.mjs [--scenario connect-ws] [--rounds 10] [--params '{"n":40}']
//
// Each round runs A, B and socket.io-client back to back (bench/client.mjs, one fresh process each) against one
// server process (bench/server.mjs, fresh for the run), in a rotating order. Printed per metric: the median over
// rounds of each, and the medians (min–max) of the ratios taken inside each round: B/A, A/sio, B/sio. A ratio
// is worth what an A/A run (--b = --a) shows of the noise on the machine at the time.

import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, log, median, runClient, startServer } from "./common.mjs";

const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i], process.argv[i + 1]);
const a = args.get("--a");
const b = args.get("--b");
if (!a || !b || args.has("--help")) {
  log("usage: node bench/ab.mjs --a BUILD.mjs --b BUILD.mjs [--scenario connect-ws] [--rounds 10] [--params JSON]");
  process.exit(2);
}
const scenario = args.get("--scenario") ?? "connect-ws";
const rounds = Number(args.get("--rounds") ?? 10);
const extra = JSON.parse(args.get("--params") ?? "{}");
const runs = {
  A: ["siolink", { siolinkEntry: pathToFileURL(resolve(a)).href }],
  B: ["siolink", { siolinkEntry: pathToFileURL(resolve(b)).href }],
  sio: ["socket.io-client", {}],
};

const server = await startServer(join(BENCH_DIR, "server.mjs"));
const results = { A: [], B: [], sio: [] };
try {
  for (let r = 0; r < rounds; r++) {
    // A B sio, sio B A, B sio A, ...: nobody always runs first or last.
    const order = ["A", "B", "sio"];
    if (r % 2) order.reverse();
    for (let k = 0; k < Math.floor(r / 2) % 3; k++) order.push(order.shift());
    for (const key of order) {
      const [lib, params] = runs[key];
      const out = await runClient([join(BENCH_DIR, "client.mjs"), lib, scenario], {
        params: { url: server.url, port: server.port, ...params, ...extra },
        timeoutMs: 120_000,
      });
      if (!out.ok) throw new Error(`${key} failed in round ${r + 1}: ${out.error}`);
      results[key].push(out.metrics);
    }
    log(`round ${r + 1}/${rounds} done`);
  }
} finally {
  await server.stop();
}

const f = (x) => (x === null ? "-" : x.toPrecision(3));
for (const metric of Object.keys(results.A[0])) {
  const cell = (key) => f(median(results[key].map((m) => m[metric])));
  const ratio = (x, y) => {
    const rs = results[x].map((m, i) => m[metric] / results[y][i][metric]);
    return `${f(median(rs))} (${f(Math.min(...rs))}–${f(Math.max(...rs))})`;
  };
  console.log(`${metric.padEnd(18)} A ${cell("A")}  B ${cell("B")}  sio ${cell("sio")}   B/A ${ratio("B", "A")}  A/sio ${ratio("A", "sio")}  B/sio ${ratio("B", "sio")}`);
}
process.exit(0);
