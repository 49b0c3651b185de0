// Scale benchmark driver: thousands of concurrent WebSocket clients from ONE Node process, siolink next to
// socket.io-client, against a real socket.io 4.8 server in its own process. Never part of `npm test`.
//
//   node bench/scale.mjs [--clients 10000] [--checkpoint 1000] [--concurrency 200] [--acks 20] [--rounds 1]
//   node bench/scale.mjs --help
//
// Each (library, round) gets a fresh server (bench/scale-server.mjs) and a fresh client process
// (bench/scale-client.mjs, run with --expose-gc), one after the other, so neither inherits the other's
// sockets, TIME_WAIT ports, heap or JIT state. Prints a table, then one `SCALE_JSON {...}` line.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
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

const SERVER_JS = join(BENCH_DIR, "scale-server.mjs");
const CLIENT_JS = join(BENCH_DIR, "scale-client.mjs");
const LIBS = ["siolink", "socket.io-client"];

/** Descriptors a process needs besides its sockets: stdio, the event loop, ws internals, node's own. */
const FD_SLACK = 200;

const DEFAULTS = {
  clients: 10_000,
  checkpoint: 1_000,
  concurrency: 200,
  acks: 20,
  rounds: 1,
  hold: 0,
  pingInterval: 25_000,
  pingTimeout: 20_000,
  timeout: 300_000,
};

const INT_FLAGS = {
  "--clients": "clients",
  "--checkpoint": "checkpoint",
  "--concurrency": "concurrency",
  "--acks": "acks",
  "--rounds": "rounds",
  "--hold": "hold",
  "--ping-interval": "pingInterval",
  "--ping-timeout": "pingTimeout",
  "--timeout": "timeout",
};

function helpText() {
  return `Usage: node bench/scale.mjs [options]

  --clients N           concurrent clients per library, all in one client process (default ${DEFAULTS.clients})
  --checkpoint N        also measure memory, handles and listeners when N clients are connected (default ${DEFAULTS.checkpoint})
  --concurrency N       connects in flight at once during the ramp-up (default ${DEFAULTS.concurrency})
  --acks N              emitWithAck("echo") calls per client, one after the other, all clients at once (default ${DEFAULTS.acks})
  --hold MS             keep every client connected this long after the acks, to watch heartbeats (default ${DEFAULTS.hold})
  --ping-interval MS    server pingInterval (default ${DEFAULTS.pingInterval}, socket.io's default)
  --ping-timeout MS     server pingTimeout (default ${DEFAULTS.pingTimeout}, socket.io's default)
  --rounds N            rounds per library, alternating which library goes first (default ${DEFAULTS.rounds})
  --libs a,b            any of: ${LIBS.join(", ")} (default: both)
  --timeout MS          a client process that has not reported by then fails its round (default ${DEFAULTS.timeout})
  --siolink-entry PATH  import siolink from PATH instead of dist/node/index.mjs (or .tmp/bench/siolink.mjs)
  --snapshot-dir DIR    write heap snapshots (baseline and all connected) there; analyse with bench/scale-heap.mjs
  --help                this text
`;
}

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { ...DEFAULTS, libs: LIBS, siolinkEntry: null, snapshotDir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--help" || a === "-h") opts.help = true;
    else if (a === "--libs") {
      const list = value().split(",").map((s) => s.trim()).filter(Boolean);
      for (const l of list) if (!LIBS.includes(l)) throw new UsageError(`unknown library "${l}" (known: ${LIBS.join(", ")})`);
      opts.libs = list;
    } else if (a === "--siolink-entry") opts.siolinkEntry = value();
    else if (a === "--snapshot-dir") opts.snapshotDir = resolve(value());
    else if (INT_FLAGS[a]) {
      const raw = value();
      const n = Number(raw);
      const min = a === "--acks" || a === "--hold" ? 0 : 1;
      if (!Number.isInteger(n) || n < min) throw new UsageError(`${a} needs an integer ≥ ${min}, got "${raw}"`);
      opts[INT_FLAGS[a]] = n;
    } else throw new UsageError(`unknown option "${a}" (see --help)`);
  }
  return opts;
}

// ---------- limits of this machine ----------

/** The soft fd limit children inherit (node has no getrlimit; a shell reports the same inherited value). */
function fdLimit() {
  try {
    const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    return out === "unlimited" ? Infinity : Number(out);
  } catch {
    return null;
  }
}

function ephemeralPorts() {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return { lo, hi, count: hi - lo + 1 };
  } catch {
    return null;
  }
}

function checkLimits(opts) {
  const problems = [];
  const fds = fdLimit();
  // The client process holds one socket per client; the server process one per client too (separate limits).
  const needFds = opts.clients + FD_SLACK;
  if (fds !== null && fds < needFds) {
    problems.push(
      `ulimit -n is ${fds}, but ${opts.clients} clients need about ${needFds} file descriptors in the client process ` +
        `(and as many in the server). Raise it (ulimit -n ${needFds}) or use --clients ${Math.max(1, fds - FD_SLACK)}.`,
    );
  }
  const ports = ephemeralPorts();
  // All clients go from 127.0.0.1 to one server ip:port: each needs its own source port.
  if (ports && ports.count < opts.clients + FD_SLACK) {
    problems.push(
      `the ephemeral port range ${ports.lo}-${ports.hi} has ${ports.count} ports, too few for ${opts.clients} connections ` +
        `to one address; widen net.ipv4.ip_local_port_range or connect from several source addresses (see bench/LOAD-TESTING.md).`,
    );
  }
  return { fds, ports, problems };
}

// ---------- children ----------

function startScaleServer(opts) {
  const cfg = JSON.stringify({ pingInterval: opts.pingInterval, pingTimeout: opts.pingTimeout });
  return startServer(SERVER_JS, [cfg], { stopWaitMs: 5000 });
}

function runClient(lib, params, execArgv, timeoutMs) {
  return runBenchClient([CLIENT_JS, lib], { params, execArgv, timeoutMs, killAfterMs: 15_000 });
}

// ---------- which siolink ----------

/** The built dist/node (npx rollup -c) or the bench build, whichever is not older than src/; never a stale one. */
function resolveSiolink(opts) {
  if (opts.siolinkEntry) {
    const p = resolve(opts.siolinkEntry);
    return { path: relative(ROOT, p), entry: pathToFileURL(p).href, execArgv: /\.[cm]?tsx?$/.test(p) ? ["--import", "tsx"] : [] };
  }
  const newest = newestSourceMtime();
  const problems = [];
  for (const p of [join(ROOT, "dist", "node", "index.mjs"), join(ROOT, ".tmp", "bench", "siolink.mjs")]) {
    if (!existsSync(p)) problems.push(`${relative(ROOT, p)} not found`);
    else if (statSync(p).mtimeMs < newest) problems.push(`${relative(ROOT, p)} is older than src/`);
    else return { path: relative(ROOT, p), entry: pathToFileURL(p).href, execArgv: [] };
  }
  throw new UsageError(`no fresh siolink build (${problems.join("; ")}): run npx rollup -c (or node bench/build-node.mjs)`);
}

// ---------- statistics and formatting ----------

function fmt(v, kind) {
  if (v == null || !Number.isFinite(v)) return "-";
  if (kind === "rate") return v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0);
  if (kind === "int") return Math.round(v).toLocaleString("en-US");
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** What the table shows, taken from one client result. Ratios are siolink / socket.io-client. */
const ROWS = [
  { label: "connect all (wall)", unit: "ms", get: (r) => r.metrics.connectAllMs, kind: "int", better: "lower" },
  { label: "connects/s", unit: "", get: (r) => r.metrics.connectsPerSec, kind: "rate", better: "higher" },
  { label: "connect latency p50", unit: "ms", get: (r) => r.metrics.connectP50Ms, kind: "num", better: "lower" },
  { label: "connect latency p99", unit: "ms", get: (r) => r.metrics.connectP99Ms, kind: "num", better: "lower" },
  { label: "connect CPU/client", unit: "ms", get: (r) => r.metrics.connectCpuMsPerClient, kind: "num", better: "lower" },
  { label: "heap/client @N", unit: "KiB", get: (r) => r.metrics.heapPerClientKB, kind: "num", better: "lower", target: 0.5 },
  { label: "heap/client @checkpoint", unit: "KiB", get: (r) => r.info.checkpoint.perClient.heapKB, kind: "num", better: "lower" },
  { label: "heap marginal (checkpoint→N)", unit: "KiB", get: (r) => r.metrics.heapMarginalKB, kind: "num", better: "lower" },
  { label: "RSS/client @N", unit: "KiB", get: (r) => r.metrics.rssPerClientKB, kind: "num", better: "lower" },
  { label: "acks/s (all connected)", unit: "", get: (r) => r.metrics.acksPerSec, kind: "rate", better: "higher" },
  { label: "ack latency p50", unit: "ms", get: (r) => r.metrics.ackP50Ms, kind: "num", better: "lower" },
  { label: "ack latency p99", unit: "ms", get: (r) => r.metrics.ackP99Ms, kind: "num", better: "lower" },
  { label: "client CPU per 1k acks", unit: "ms", get: (r) => r.metrics.ackCpuMsPer1k, kind: "num", better: "lower" },
  { label: "server CPU per 1k acks", unit: "ms", get: (r) => r.metrics.ackServerCpuMsPer1k, kind: "num", better: "lower" },
  { label: "client busy during acks", unit: "core", get: (r) => r.metrics.ackClientCpuShare, kind: "num" },
  { label: "server busy during acks", unit: "core", get: (r) => r.metrics.ackServerCpuShare, kind: "num" },
  { label: "handles/client @checkpoint", unit: "", get: (r) => r.info.checkpoint.perClient.handles, kind: "num" },
  { label: "handles/client @N", unit: "", get: (r) => r.info.target.perClient.handles, kind: "num" },
  { label: "ref'd timers/client @checkpoint", unit: "", get: (r) => r.info.checkpoint.perClient.timers, kind: "num" },
  { label: "ref'd timers/client @N", unit: "", get: (r) => r.info.target.perClient.timers, kind: "num" },
  { label: "listeners/client @checkpoint", unit: "", get: (r) => r.info.checkpoint.perClient.listeners.total, kind: "num" },
  { label: "listeners/client @N", unit: "", get: (r) => r.info.target.perClient.listeners.total, kind: "num" },
  { label: "errors", unit: "", get: (r) => r.metrics.errors, kind: "int" },
  { label: "server pongs received", unit: "", get: (r) => r.server?.pongs, kind: "int" },
  { label: "server ping-timeout disconnects", unit: "", get: (r) => r.server?.disconnects?.["ping timeout"] ?? 0, kind: "int" },
  { label: "server peak RSS", unit: "MiB", get: (r) => (r.server?.rssPeak ?? NaN) / 1048576, kind: "num" },
];

// ---------- main ----------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(helpText());
    return;
  }
  if (opts.checkpoint >= opts.clients) opts.checkpoint = Math.max(1, Math.floor(opts.clients / 10));
  const limits = checkLimits(opts);
  if (limits.problems.length > 0) {
    for (const p of limits.problems) log(`scale: ${p}`);
    process.exitCode = 2;
    return;
  }
  const siolink = resolveSiolink(opts);
  if (opts.snapshotDir) mkdirSync(opts.snapshotDir, { recursive: true });
  log(
    `scale: ${opts.clients} clients (checkpoint ${opts.checkpoint}), ${opts.concurrency} connects in flight, ` +
      `${opts.acks} acks/client, ping ${opts.pingInterval}/${opts.pingTimeout} ms, ulimit -n ${limits.fds}, ` +
      `ports ${limits.ports ? `${limits.ports.lo}-${limits.ports.hi}` : "?"}, siolink from ${siolink.path}`,
  );

  const rounds = [];
  for (let r = 0; r < opts.rounds; r++) {
    const order = r % 2 === 0 ? opts.libs : [...opts.libs].reverse();
    const round = { order };
    for (const lib of order) {
      const server = await startScaleServer(opts);
      let res;
      try {
        const params = {
          url: server.url,
          clients: opts.clients,
          checkpoint: opts.checkpoint,
          concurrency: opts.concurrency,
          acks: opts.acks,
          hold: opts.hold,
        };
        if (lib === "siolink") params.siolinkEntry = siolink.entry;
        if (opts.snapshotDir) params.snapshotDir = opts.snapshotDir;
        const execArgv = lib === "siolink" ? siolink.execArgv : [];
        // The server is asked while the client still holds its connections: reported right before exit.
        res = await runClient(lib, params, execArgv, opts.timeout);
        const stats = await serverStats(server.url, 10_000);
        // A ping timeout on the server side also reaches the client as a disconnect, which counts as an error.
        res.server = stats;
      } finally {
        await server.stop();
      }
      round[lib] = res;
      const shown = res.ok
        ? `connect all ${fmt(res.metrics.connectAllMs, "int")} ms, heap ${fmt(res.metrics.heapPerClientKB)} KiB/client, ` +
          `${fmt(res.metrics.acksPerSec, "rate")} acks/s, errors ${res.metrics.errors}, server pongs ${res.server.pongs}`
        : `FAILED: ${res.error}`;
      log(`  round ${r + 1}/${opts.rounds} ${lib.padEnd(16)} ${shown}`);
    }
    rounds.push(round);
  }

  // ---------- table ----------
  const okRuns = (lib) => rounds.map((rd) => rd[lib]).filter((x) => x?.ok);
  const headers = ["metric", "unit", ...opts.libs, ...(opts.libs.length === 2 ? ["sl/sio"] : []), "target"];
  const rows = [];
  const summary = {};
  for (const row of ROWS) {
    const cells = [row.label, row.unit];
    const perLib = {};
    for (const lib of opts.libs) {
      const vals = okRuns(lib).map(row.get).filter((v) => typeof v === "number" && Number.isFinite(v));
      perLib[lib] = median(vals);
      const lo = fmt(Math.min(...vals), row.kind);
      const hi = fmt(Math.max(...vals), row.kind);
      const range = vals.length > 1 && lo !== hi ? ` (${lo}–${hi})` : "";
      cells.push(vals.length ? fmt(perLib[lib], row.kind) + range : "FAIL");
    }
    let ratio = null;
    if (opts.libs.length === 2) {
      // Paired inside each round, then the median: machine load drifts between rounds, less within one.
      const ratios = rounds
        .filter((rd) => rd.siolink?.ok && rd["socket.io-client"]?.ok)
        .map((rd) => [row.get(rd.siolink), row.get(rd["socket.io-client"])])
        .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b !== 0)
        .map(([a, b]) => a / b);
      ratio = median(ratios);
      cells.push(row.better && ratio != null ? ratio.toFixed(2) : "");
    }
    cells.push(row.target ? `≤ ${row.target} ${ratio == null ? "?" : ratio <= row.target ? "ok" : "MISS"}` : "");
    rows.push(cells);
    summary[row.label] = { ...perLib, ratio };
  }
  const failures = [];
  for (const [i, rd] of rounds.entries()) {
    for (const lib of opts.libs) if (rd[lib] && !rd[lib].ok) failures.push(`round ${i + 1} ${lib}: ${rd[lib].error}`);
  }
  const lines = [
    "",
    `Scale: ${opts.clients} WebSocket clients in one Node process (${opts.concurrency} connects in flight), ` +
      `${opts.acks} sequential acks per client; median of ${opts.rounds} round(s) (min–max)`,
    `node ${process.version}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ` +
      `per-client figures at N=${opts.clients} and at the checkpoint N=${opts.checkpoint}`,
    "",
    table(rows, headers),
    "",
  ];
  if (failures.length) lines.push("Failures:", ...failures.map((f) => `  ${f}`), "");
  if (opts.snapshotDir) lines.push(`Heap snapshots in ${opts.snapshotDir}: node --max-old-space-size=8192 bench/scale-heap.mjs ${opts.snapshotDir} ${opts.checkpoint} ${opts.clients}`, "");
  process.stdout.write(lines.join("\n") + "\n");
  const json = {
    options: opts,
    siolink: siolink.path,
    node: process.version,
    cpus: cpus().length,
    loadavg: loadavg(),
    limits: { fds: limits.fds, ports: limits.ports },
    rounds,
    summary,
    failures,
  };
  process.stdout.write(`SCALE_JSON ${JSON.stringify(json)}\n`);
  const errors = rounds.flatMap((rd) => opts.libs.map((l) => rd[l])).reduce((n, r) => n + (r?.ok ? r.metrics.errors : 1), 0);
  if (errors > 0) process.exitCode = 1;
}

main().catch((err) => {
  log(err instanceof UsageError ? `scale: ${err.message}` : `scale: ${err?.stack ?? err}`);
  killAll();
  process.exitCode = 2;
});
