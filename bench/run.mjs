// Benchmark driver: runs siolink, socket.io-client and a raw ws floor side by side and prints paired ratios.
//
//   node bench/run.mjs [--quick] [--scenarios emit,acks] [--libs siolink,socket.io-client] [--rounds 5] [sizes...]
//   node bench/run.mjs --help
//
// Every scenario gets a fresh socket.io server process (bench/server.mjs); every (library, scenario, round) runs
// in its own client process (bench/client.mjs) so CPU time is counted per client. Rounds are interleaved
// (A B C, C B A, ...) and ratios are taken per round, then their median is reported. See bench/README.md.

import { existsSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import {
  BENCH_DIR,
  killAll,
  log,
  median,
  newestSourceMtime,
  ROOT,
  runClient as runBenchClient,
  serverStats,
  startServer,
  table,
} from "./common.mjs";

const SERVER_JS = join(BENCH_DIR, "server.mjs");
const CLIENT_JS = join(BENCH_DIR, "client.mjs");

const LIBS = ["siolink", "socket.io-client", "raw"];
const SIOLINK = "siolink";
const OFFICIAL = "socket.io-client";
const RAW = "raw";

// ---------- options ----------

const FULL = {
  rounds: 5,
  emit: 200_000,
  receive: 200_000,
  acks: 3_000,
  pipelined: 50_000,
  window: 64,
  binary: 600,
  binarySize: 65_536,
  connects: 30,
  clients: 2_000,
  polling: 30_000,
  timeout: 90_000,
};

const QUICK = {
  rounds: 2,
  emit: 20_000,
  receive: 20_000,
  acks: 500,
  pipelined: 5_000,
  window: 64,
  binary: 60,
  binarySize: 65_536,
  connects: 8,
  clients: 200,
  polling: 3_000,
  timeout: 30_000,
};

const SIZE_FLAGS = {
  "--rounds": "rounds",
  "--emit": "emit",
  "--receive": "receive",
  "--acks": "acks",
  "--pipelined": "pipelined",
  "--window": "window",
  "--binary": "binary",
  "--binary-size": "binarySize",
  "--connects": "connects",
  "--clients": "clients",
  "--polling": "polling",
  "--timeout": "timeout",
};

function helpText() {
  return `Usage: node bench/run.mjs [options]

  --quick                 small preset (2 rounds, ~10x fewer messages, 200 clients), a sanity run under a minute
  --scenarios a,b,...     any of: ${Object.keys(SCENARIOS).join(", ")}
  --libs a,b,...          any of: ${LIBS.join(", ")} (default: all that can be loaded)
  --rounds N              rounds per scenario (default ${FULL.rounds}, quick ${QUICK.rounds})
  --emit N                messages in the WebSocket emit scenario (default ${FULL.emit})
  --receive N             messages the server floods in the receive scenario (default ${FULL.receive})
  --acks N                sequential acks measured for latency (default ${FULL.acks})
  --pipelined N           acks in the pipelined scenario (default ${FULL.pipelined})
  --window N              acks in flight in the pipelined scenario (default ${FULL.window})
  --binary N              binary round trips (default ${FULL.binary})
  --binary-size BYTES     size of each binary payload (default ${FULL.binarySize})
  --connects N            measured connects per process in the connect scenarios (default ${FULL.connects})
  --clients N             clients in the many-clients scenario (default ${FULL.clients})
  --polling N             messages in the polling-only emit scenario (default ${FULL.polling})
  --timeout MS            a client process that has not reported by then fails its round (default ${FULL.timeout})
  --siolink-entry PATH    import siolink from PATH instead of a fresh build (dist/, .tmp/bench/) or src/index.ts
  --help                  this text
`;
}

// ---------- scenarios and metrics ----------

/**
 * better: which direction is good for the metric itself; target: the goal for the siolink/socket.io-client ratio.
 * fmt: how one value is printed.
 */
const SCENARIOS = {
  emit: {
    title: "emit (WebSocket)",
    libs: LIBS,
    params: (o) => ({ n: o.emit }),
    metrics: [
      { key: "msgsPerSec", label: "msgs/s at server", better: "higher", fmt: "rate", target: { op: ">=", value: 1.5 } },
      { key: "cpuMsPer100k", label: "client CPU ms/100k", better: "lower", fmt: "ms", target: { op: "<=", value: 0.6 } },
    ],
  },
  receive: {
    title: "receive (server flood)",
    libs: LIBS,
    params: (o) => ({ n: o.receive }),
    metrics: [
      { key: "msgsPerSec", label: "msgs/s received", better: "higher", fmt: "rate" },
      { key: "cpuMsPer100k", label: "client CPU ms/100k", better: "lower", fmt: "ms", target: { op: "<=", value: 0.92 } },
    ],
  },
  acks: {
    title: "sequential acks",
    libs: LIBS,
    params: (o) => ({ n: o.acks }),
    metrics: [
      { key: "p50Us", label: "latency p50 µs", better: "lower", fmt: "us" },
      { key: "p99Us", label: "latency p99 µs", better: "lower", fmt: "us" },
    ],
  },
  pipelined: {
    title: "pipelined acks",
    libs: LIBS,
    params: (o) => ({ n: o.pipelined, window: o.window }),
    metrics: [
      { key: "acksPerSec", label: "acks/s", better: "higher", fmt: "rate", target: { op: ">=", value: 1.3 } },
      { key: "cpuMsPer100k", label: "client CPU ms/100k", better: "lower", fmt: "ms" },
    ],
  },
  binary: {
    title: "binary echo + ack",
    libs: LIBS,
    params: (o) => ({ n: o.binary, size: o.binarySize, window: 4 }),
    metrics: [
      { key: "mbPerSec", label: "MB/s echoed", better: "higher", fmt: "num", target: { op: ">=", value: 1.15 } },
      { key: "cpuMsPerMB", label: "client CPU ms/MB", better: "lower", fmt: "ms" },
    ],
  },
  connect: {
    title: "connect (default opts)",
    libs: [SIOLINK, OFFICIAL],
    params: (o) => ({ n: o.connects }),
    metrics: [
      { key: "connectMs", label: "connect ms (median)", better: "lower", fmt: "ms", target: { op: "<=", value: 0.35 } },
      { key: "cpuMsPerConnect", label: "client CPU ms/connect", better: "lower", fmt: "ms" },
    ],
  },
  "connect-ws": {
    title: "connect (WebSocket only)",
    libs: LIBS,
    params: (o) => ({ n: o.connects }),
    metrics: [
      { key: "connectMs", label: "connect ms (median)", better: "lower", fmt: "ms" },
      { key: "cpuMsPerConnect", label: "client CPU ms/connect", better: "lower", fmt: "ms" },
    ],
  },
  many: {
    title: "many clients (WebSocket)",
    libs: LIBS,
    params: (o) => ({ n: o.clients, concurrency: 128 }),
    metrics: [
      { key: "heapPerClientKB", label: "heap KiB/client", better: "lower", fmt: "num", target: { op: "<=", value: 0.5 } },
      { key: "rssPerClientKB", label: "RSS KiB/client", better: "lower", fmt: "num" },
      { key: "connectAllMs", label: "connect all ms", better: "lower", fmt: "ms" },
    ],
  },
  polling: {
    title: "emit (polling only)",
    libs: [SIOLINK, OFFICIAL],
    params: (o) => ({ n: o.polling }),
    metrics: [
      { key: "msgsPerSec", label: "msgs/s at server", better: "higher", fmt: "rate" },
      { key: "cpuMsPer100k", label: "client CPU ms/100k", better: "lower", fmt: "ms" },
    ],
  },
  bundle: { title: "bundle size", libs: [SIOLINK, OFFICIAL], static: true },
};

const SCENARIO_NAMES = Object.keys(SCENARIOS);
const BUNDLE_GZIP_TARGET = 8_100;

function parseArgs(argv) {
  const quick = argv.includes("--quick");
  const opts = { ...(quick ? QUICK : FULL), quick, scenarios: SCENARIO_NAMES, libs: null, siolinkEntry: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") continue;
    if (a === "--help" || a === "-h") {
      opts.help = true;
    } else if (a === "--scenarios") {
      const list = value().split(",").map((s) => s.trim()).filter(Boolean);
      for (const s of list) if (!SCENARIOS[s]) throw new UsageError(`unknown scenario "${s}" (known: ${SCENARIO_NAMES.join(", ")})`);
      opts.scenarios = list;
    } else if (a === "--libs") {
      const list = value().split(",").map((s) => s.trim()).filter(Boolean);
      for (const l of list) if (!LIBS.includes(l)) throw new UsageError(`unknown library "${l}" (known: ${LIBS.join(", ")})`);
      opts.libs = list;
    } else if (a === "--siolink-entry") {
      opts.siolinkEntry = value();
    } else if (SIZE_FLAGS[a]) {
      const raw = value();
      const n = Number(raw);
      if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${a} needs a positive integer, got "${raw}"`);
      opts[SIZE_FLAGS[a]] = n;
    } else {
      throw new UsageError(`unknown option "${a}" (see --help)`);
    }
  }
  return opts;
}

class UsageError extends Error {}

// ---------- servers ----------

/** Waits (bounded) until the previous round's connections are gone, so rounds do not overlap on the server. */
async function waitServerIdle(url, ms) {
  const deadline = Date.now() + ms;
  let stats = await serverStats(url);
  while (stats.connections > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    stats = await serverStats(url);
  }
  return stats;
}

// ---------- client runs ----------

function runClient(lib, scenario, params, execArgv, timeoutMs) {
  return runBenchClient([CLIENT_JS, lib, scenario], { params, execArgv, timeoutMs });
}

/**
 * Finds siolink: a build of the current sources (dist/node/index.mjs from `npx rollup -c`, else
 * .tmp/bench/siolink.mjs from `node bench/build-node.mjs`), else the TypeScript source through tsx. A build
 * older than the sources is skipped, never measured silently in their place.
 */
async function resolveSiolink(opts) {
  const candidates = [];
  if (opts.siolinkEntry) {
    const p = resolve(opts.siolinkEntry);
    const isTs = /\.[cm]?tsx?$/.test(p);
    candidates.push({ path: p, execArgv: isTs ? ["--import", "tsx"] : [], kind: "custom" });
  } else {
    candidates.push({ path: join(ROOT, "dist", "node", "index.mjs"), execArgv: [], kind: "dist", build: true });
    candidates.push({ path: join(ROOT, ".tmp", "bench", "siolink.mjs"), execArgv: [], kind: "bench build", build: true });
    candidates.push({ path: join(ROOT, "src", "index.ts"), execArgv: ["--import", "tsx"], kind: "src via tsx" });
  }
  const problems = [];
  const sourcesChanged = candidates.some((c) => c.build) ? newestSourceMtime() : 0;
  for (const c of candidates) {
    if (!existsSync(c.path)) {
      problems.push(`${relative(ROOT, c.path)} not found`);
      continue;
    }
    if (c.build && statSync(c.path).mtimeMs < sourcesChanged) {
      const skipped = `${relative(ROOT, c.path)} is older than src/ (rebuild: npx rollup -c, or node bench/build-node.mjs)`;
      problems.push(skipped);
      log(`siolink: skipped ${skipped}`);
      continue;
    }
    const entry = pathToFileURL(c.path).href;
    const res = await runClient(SIOLINK, "probe", { siolinkEntry: entry }, c.execArgv, 30_000);
    if (res.ok) return { available: true, kind: c.kind, path: relative(ROOT, c.path), entry, execArgv: c.execArgv };
    problems.push(`${relative(ROOT, c.path)} did not load: ${res.error}`);
  }
  return { available: false, reason: problems.join("; ") };
}

// ---------- bundle sizes ----------

function sizesOf(path) {
  if (!existsSync(path)) return null;
  const buf = readFileSync(path);
  return {
    path: relative(ROOT, path),
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}

function bundleSizes() {
  const sioDist = join(ROOT, "node_modules", "socket.io-client", "dist");
  return {
    umd: { siolink: sizesOf(join(ROOT, "dist", "siolink.min.js")), official: sizesOf(join(sioDist, "socket.io.min.js")) },
    esm: { siolink: sizesOf(join(ROOT, "dist", "browser", "index.mjs")), official: sizesOf(join(sioDist, "socket.io.esm.min.js")) },
  };
}

// ---------- statistics ----------

function summarize(values) {
  if (values.length === 0) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Ratios a/b taken inside each round where both ran, so drift in machine load cancels out. */
function pairedRatios(rounds, a, b, key) {
  const ratios = [];
  for (const r of rounds) {
    const va = r[a]?.ok ? r[a].metrics[key] : undefined;
    const vb = r[b]?.ok ? r[b].metrics[key] : undefined;
    if (typeof va === "number" && typeof vb === "number" && vb > 0 && Number.isFinite(va)) ratios.push(va / vb);
  }
  return summarize(ratios);
}

function meetsTarget(target, ratio) {
  if (!target || ratio == null) return null;
  return target.op === ">=" ? ratio >= target.value : ratio <= target.value;
}

// ---------- formatting ----------

function fmtValue(v, kind) {
  if (v == null || !Number.isFinite(v)) return "-";
  if (kind === "rate") {
    if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
    if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
    return v.toFixed(0);
  }
  if (kind === "bytes") return Math.round(v).toLocaleString("en-US");
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function fmtSummary(s, kind) {
  if (!s) return "-";
  if (s.n === 1 || s.min === s.max) return fmtValue(s.median, kind);
  return `${fmtValue(s.median, kind)} (${fmtValue(s.min, kind)}–${fmtValue(s.max, kind)})`;
}

function fmtRatio(s) {
  if (!s) return "-";
  return `${s.median.toFixed(2)}`;
}

function fmtTarget(target, ratio) {
  if (!target) return "";
  const want = `${target.op === ">=" ? "≥" : "≤"} ${target.value}`;
  const ok = meetsTarget(target, ratio);
  return ok == null ? `${want} ?` : `${want} ${ok ? "ok" : "MISS"}`;
}

// ---------- main ----------

async function runScenario(name, opts, libs, siolink) {
  const def = SCENARIOS[name];
  const runLibs = libs.filter((l) => def.libs.includes(l));
  const result = { scenario: name, title: def.title, params: def.params(opts), rounds: [], na: libs.filter((l) => !def.libs.includes(l)) };
  let server = null;
  try {
    if (runLibs.length > 0) server = await startServer(SERVER_JS);
    for (let r = 0; server && r < opts.rounds; r++) {
      const order = r % 2 === 0 ? runLibs : [...runLibs].reverse();
      const round = { order };
      for (const lib of order) {
        const before = await waitServerIdle(server.url, 5000);
        const params = { ...def.params(opts), url: server.url, port: server.port };
        if (lib === SIOLINK) params.siolinkEntry = siolink.entry;
        const res = await runClient(lib, name, params, opts.execArgv, opts.timeout);
        const after = await serverStats(server.url);
        res.serverCpuMs = (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1000;
        if (before.connections > 0) res.serverLeftover = before.connections;
        round[lib] = res;
        const shown = res.ok
          ? def.metrics.map((m) => `${m.key}=${fmtValue(res.metrics[m.key], m.fmt)}`).join(" ")
          : `FAILED: ${res.error}`;
        log(`  [${name}] round ${r + 1}/${opts.rounds} ${lib.padEnd(16)} ${shown}`);
      }
      result.rounds.push(round);
    }
  } catch (err) {
    // The server itself failed (would not start, died, stopped answering): this scenario is lost, the run goes on.
    result.error = `server: ${err?.message ?? err}`;
    log(`  [${name}] FAILED: ${result.error}`);
  } finally {
    await server?.stop();
  }
  result.summary = {};
  for (const m of def.metrics) {
    const perLib = {};
    for (const lib of runLibs) {
      perLib[lib] = summarize(result.rounds.map((r) => r[lib]).filter((x) => x?.ok).map((x) => x.metrics[m.key]));
    }
    const vsOfficial = pairedRatios(result.rounds, SIOLINK, OFFICIAL, m.key);
    const vsRaw = pairedRatios(result.rounds, SIOLINK, RAW, m.key);
    result.summary[m.key] = {
      label: m.label,
      better: m.better,
      perLib,
      siolinkVsOfficial: vsOfficial,
      siolinkVsRaw: vsRaw,
      target: m.target ?? null,
      meetsTarget: meetsTarget(m.target, vsOfficial?.median),
    };
  }
  result.failures = result.error ? [{ round: 0, lib: "server", error: result.error }] : [];
  for (const [i, r] of result.rounds.entries()) {
    for (const lib of runLibs) if (r[lib] && !r[lib].ok) result.failures.push({ round: i + 1, lib, error: r[lib].error });
  }
  return result;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      log(`bench: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  if (opts.help) {
    process.stdout.write(helpText());
    return;
  }

  const startedAt = new Date();
  const wantLibs = opts.libs ?? LIBS;
  const siolink = wantLibs.includes(SIOLINK) ? await resolveSiolink(opts) : { available: false, reason: "not requested" };
  const libs = wantLibs.filter((l) => l !== SIOLINK || siolink.available);
  // Same node flags for every client, so a loader hook (tsx) never favours one side.
  opts.execArgv = siolink.available ? siolink.execArgv : [];
  const siolinkLine = siolink.available
    ? `siolink: ${siolink.kind} (${siolink.path})${siolink.execArgv.length ? ` — all clients run with ${siolink.execArgv.join(" ")}` : ""}`
    : `siolink: not benchmarked — ${siolink.reason}`;
  log(siolinkLine);
  log(`libraries: ${libs.join(", ")}; scenarios: ${opts.scenarios.join(", ")}; rounds: ${opts.rounds}${opts.quick ? " (quick)" : ""}`);

  const results = [];
  let bundles = null;
  for (const name of opts.scenarios) {
    if (SCENARIOS[name].static) {
      bundles = bundleSizes();
      continue;
    }
    log(`scenario ${name}: ${SCENARIOS[name].title}`);
    results.push(await runScenario(name, opts, libs, siolink));
  }

  // ----- table -----
  const headers = ["scenario", "metric", "siolink", "socket.io-client", "raw", "sl/sio", "sl/raw", "target sl/sio"];
  const rows = [];
  for (const res of results) {
    const def = SCENARIOS[res.scenario];
    for (const m of def.metrics) {
      const s = res.summary[m.key];
      const cell = (lib) => {
        if (!def.libs.includes(lib)) return "n/a";
        if (!libs.includes(lib)) return "-";
        const ran = res.rounds.filter((r) => r[lib]).length;
        if ((ran > 0 || res.error) && !s.perLib[lib]) return "FAIL";
        return fmtSummary(s.perLib[lib], m.fmt);
      };
      rows.push([
        res.title,
        m.label,
        cell(SIOLINK),
        cell(OFFICIAL),
        cell(RAW),
        fmtRatio(s.siolinkVsOfficial),
        fmtRatio(s.siolinkVsRaw),
        fmtTarget(m.target, s.siolinkVsOfficial?.median),
      ]);
    }
  }
  if (bundles) {
    for (const [kind, pair] of Object.entries(bundles)) {
      for (const measure of ["raw", "gzip", "brotli"]) {
        const sl = pair.siolink?.[measure];
        const of = pair.official?.[measure];
        let target = "";
        if (kind === "umd" && measure === "gzip") {
          target = sl == null ? `≤ ${fmtValue(BUNDLE_GZIP_TARGET, "bytes")} B ?` : `≤ ${fmtValue(BUNDLE_GZIP_TARGET, "bytes")} B ${sl <= BUNDLE_GZIP_TARGET ? "ok" : "MISS"}`;
        }
        rows.push([
          `bundle ${kind === "umd" ? "min.js" : "esm"}`,
          `${measure} bytes`,
          sl == null ? "not built" : fmtValue(sl, "bytes"),
          of == null ? "missing" : fmtValue(of, "bytes"),
          "n/a",
          sl != null && of ? (sl / of).toFixed(2) : "-",
          "-",
          target,
        ]);
      }
    }
  }

  const out = [];
  out.push("");
  out.push(`siolink bench — ${startedAt.toISOString()} — node ${process.version}, ${cpus().length} cpus, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  out.push(siolinkLine);
  out.push(`rounds per scenario: ${opts.rounds}${opts.quick ? " (quick preset)" : ""}; cells: median (min–max) over rounds; ratios: median of per-round siolink/other`);
  out.push("");
  out.push(table(rows, headers));
  const failures = results.flatMap((r) => r.failures.map((f) => ({ scenario: r.scenario, ...f })));
  if (failures.length) {
    out.push("");
    out.push(`failed rounds (${failures.length}):`);
    for (const f of failures) out.push(`  ${f.scenario}${f.round ? ` round ${f.round}` : ""} ${f.lib}: ${f.error}`);
  }
  const targets = rows.filter((r) => r[7]);
  const missed = targets.filter((r) => r[7].endsWith("MISS")).length;
  const unknown = targets.filter((r) => r[7].endsWith("?")).length;
  out.push("");
  out.push(`targets: ${targets.length - missed - unknown} met, ${missed} missed, ${unknown} not measured`);
  process.stdout.write(out.join("\n") + "\n");

  const json = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavgEnd: loadavg(),
    options: { ...opts, execArgv: opts.execArgv },
    siolink,
    libs,
    scenarios: results,
    bundles,
    bundleGzipTarget: BUNDLE_GZIP_TARGET,
  };
  process.stdout.write(`BENCH_JSON ${JSON.stringify(json)}\n`);
}

main().then(
  () => {
    killAll();
  },
  (err) => {
    log(`bench failed: ${err?.stack ?? err}`);
    killAll();
    process.exit(1);
  },
);
