// Scale benchmark client: N concurrent WebSocket clients of ONE library in this one process; prints one JSON line.
//
// Usage: node --expose-gc bench/scale-client.mjs <lib> '<json params>'
//   lib: siolink | socket.io-client
//   params: url, clients, checkpoint, concurrency, acks, hold, timeoutMs, watchParent, siolinkEntry, snapshotDir
//   (snapshotDir: write <lib>-<count>.heapsnapshot at the baseline (count 0), the checkpoint and N)
// Output (stdout, last line): {"ok":true,"lib":...,"metrics":{...},"info":{...}} or {"ok":false,"error":"..."}
//
// Steps: warm up one connect, force GC and record the baseline; ramp up to `checkpoint` clients with at most
// `concurrency` connects in flight, force GC and measure; ramp on to `clients` and measure again; then every
// client runs `acks` emitWithAck("echo") one after the other (so `clients` acks are in flight at once);
// optionally hold everyone connected `hold` ms (heartbeats keep running); then disconnect all.
// Any connect_error, unexpected disconnect or failed ack counts as an error. A watchdog bounds the run.

import { performance } from "node:perf_hooks";
import { clientProcess, describe, intParam, loadIo as loadLib, percentile, serverStats as fetchStats, settleGc } from "./common.mjs";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";

const [lib, paramsJson = "{}"] = process.argv.slice(2);
const params = JSON.parse(paramsJson);
const timeoutMs = Number(params.timeoutMs) > 0 ? Number(params.timeoutMs) : 300_000;

let phase = "start";

// Closing handshakes get a moment to reach the server; the exit never waits on 10k sockets closing one by one.
const { report, watchdog } = clientProcess({ header: { lib }, params, timeoutMs, closeGraceMs: 300, phase: () => phase });

const int = (name, fallback) => intParam(params, name, fallback, 0);

// ---------- listener and resource counts (public APIs only) ----------

// Every event name either library registers internally on these objects (a name one library does not use
// simply counts 0). Counted through listeners(), which both libraries' emitters expose.
const SOCKET_EVENTS = ["connect", "connect_error", "disconnect"];
const MANAGER_EVENTS = ["open", "error", "close", "ping", "packet", "reconnect", "reconnect_attempt", "reconnect_error", "reconnect_failed"];
const ENGINE_EVENTS = [
  "open", "handshake", "packet", "packetCreate", "heartbeat", "ping", "data", "message", "error", "close",
  "drain", "flush", "upgrading", "upgrade", "upgradeError",
];

function countListeners(emitter, names) {
  if (!emitter || typeof emitter.listeners !== "function") return 0;
  let n = 0;
  for (const name of names) n += emitter.listeners(name).length;
  return n;
}

function listenersOf(socket) {
  const manager = socket.io;
  const engine = manager?.engine;
  const transport = engine?.transport;
  return {
    socket: countListeners(socket, SOCKET_EVENTS),
    manager: countListeners(manager, MANAGER_EVENTS),
    engine: countListeners(engine, ENGINE_EVENTS),
    transport: countListeners(transport, ENGINE_EVENTS),
  };
}

function resources() {
  const byType = {};
  for (const t of process.getActiveResourcesInfo()) byType[t] = (byType[t] ?? 0) + 1;
  return { handles: process._getActiveHandles().length, byType };
}

// ---------- the run ----------

const errors = { connect: 0, disconnect: 0, ack: 0, samples: [] };

function noteError(kind, detail) {
  errors[kind]++;
  if (errors.samples.length < 5) errors.samples.push(`${kind}: ${detail}`);
}

function connectOne(io, url, closing) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const socket = io(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    const onError = (err) => {
      socket.off("connect", onConnect);
      noteError("connect", describe(err));
      resolve(null);
    };
    const onConnect = () => {
      socket.off("connect_error", onError);
      // Every disconnect before we close the clients ourselves (ping timeout, server gone...) is an error.
      socket.on("disconnect", (reason) => {
        if (!closing.value) noteError("disconnect", reason);
      });
      resolve({ socket, ms: performance.now() - t0 });
    };
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
  });
}

/** Connects clients until `target` exist, `concurrency` at a time; returns the wall time of the ramp. */
async function rampTo(io, url, clients, connectMs, target, concurrency, closing) {
  const t0 = performance.now();
  let launched = clients.length;
  await new Promise((resolve) => {
    let inFlight = 0;
    const pump = () => {
      while (inFlight < concurrency && launched < target) {
        launched++;
        inFlight++;
        connectOne(io, url, closing).then((res) => {
          inFlight--;
          if (res) {
            clients.push(res.socket);
            connectMs.push(res.ms);
          }
          if (launched >= target && inFlight === 0) resolve();
          else pump();
        });
      }
    };
    if (launched >= target) resolve();
    else pump();
  });
  return performance.now() - t0;
}

async function measure(clients, base) {
  await settleGc();
  const mem = process.memoryUsage();
  const res = resources();
  const n = clients.length;
  // Counts from a sample spread over the clients: every client is alike, so a sample shows whether they vary.
  const step = Math.max(1, Math.floor(n / 200));
  const totals = { socket: 0, manager: 0, engine: 0, transport: 0 };
  let sampled = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i += step) {
    const l = listenersOf(clients[i]);
    const sum = l.socket + l.manager + l.engine + l.transport;
    for (const k in totals) totals[k] += l[k];
    min = Math.min(min, sum);
    max = Math.max(max, sum);
    sampled++;
  }
  const timers = (res.byType.Timeout ?? 0) - (base?.resources.byType.Timeout ?? 0);
  const tcp = (res.byType.TCPSocketWrap ?? 0) - (base?.resources.byType.TCPSocketWrap ?? 0);
  return {
    clients: n,
    mem,
    resources: res,
    perClient: base
      ? {
          heapKB: (mem.heapUsed - base.mem.heapUsed) / n / 1024,
          rssKB: (mem.rss - base.mem.rss) / n / 1024,
          externalKB: (mem.external - base.mem.external) / n / 1024,
          handles: (res.handles - base.resources.handles) / n,
          timers: timers / n,
          tcpSockets: tcp / n,
          listeners: {
            socket: totals.socket / sampled,
            manager: totals.manager / sampled,
            engine: totals.engine / sampled,
            transport: totals.transport / sampled,
            total: (totals.socket + totals.manager + totals.engine + totals.transport) / sampled,
            min,
            max,
          },
        }
      : null,
  };
}

/** The server's own counters (bench/scale-server.mjs), to charge it its share of CPU time during the acks. */
function serverStats(url) {
  return fetchStats(url, 10_000).catch(() => null);
}

async function ackLoad(clients, perClient, url) {
  const payload = { t: "ping", n: 42 };
  const lat = [];
  const server0 = await serverStats(url);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    clients.map(async (socket) => {
      for (let i = 0; i < perClient; i++) {
        const s = performance.now();
        try {
          const res = await socket.emitWithAck("echo", payload);
          if (res?.n !== 42) noteError("ack", `unexpected ack ${JSON.stringify(res)}`);
        } catch (err) {
          noteError("ack", describe(err));
          return;
        }
        lat.push(performance.now() - s);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const server1 = await serverStats(url);
  const serverCpuMs =
    server0 && server1 ? (server1.cpuUserUs + server1.cpuSystemUs - server0.cpuUserUs - server0.cpuSystemUs) / 1000 : null;
  lat.sort((a, b) => a - b);
  return {
    clientCpuShare: (cpu.user + cpu.system) / 1000 / elapsed,
    serverCpuMsPer1k: serverCpuMs === null ? null : serverCpuMs / (lat.length / 1000),
    serverCpuShare: serverCpuMs === null ? null : serverCpuMs / elapsed,
    acks: lat.length,
    elapsedMs: elapsed,
    acksPerSec: lat.length / (elapsed / 1000),
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    cpuMsPer1k: ((cpu.user + cpu.system) / 1000) / (lat.length / 1000),
  };
}

async function main() {
  phase = "import";
  const io = await loadLib(lib, params);
  const url = params.url;
  const target = int("clients", 10_000);
  const checkpoint = Math.min(int("checkpoint", 1_000), target);
  const concurrency = Math.max(1, int("concurrency", 200));
  const acks = int("acks", 20);
  const hold = int("hold", 0);
  const closing = { value: false };

  phase = "warm-up connect";
  const warm = await connectOne(io, url, { value: true });
  if (!warm) throw new Error(`warm-up connect failed: ${errors.samples.join("; ")}`);
  warm.socket.disconnect();
  errors.connect = 0;
  await new Promise((r) => setTimeout(r, 100));
  phase = "baseline";
  const base = await measure([], null);
  if (params.snapshotDir) writeHeapSnapshot(join(params.snapshotDir, `${lib}-0.heapsnapshot`));

  const clients = [];
  const connectMs = [];
  const cpu0 = process.cpuUsage();
  phase = `connecting ${checkpoint} clients`;
  const ramp1 = await rampTo(io, url, clients, connectMs, checkpoint, concurrency, closing);
  const cpuRamp1 = process.cpuUsage(cpu0);
  phase = `measuring at ${clients.length} clients`;
  const atCheckpoint = await measure(clients, base);
  if (params.snapshotDir) writeHeapSnapshot(join(params.snapshotDir, `${lib}-${clients.length}.heapsnapshot`));
  const cpu1 = process.cpuUsage();
  phase = `connecting ${target} clients`;
  const ramp2 = await rampTo(io, url, clients, connectMs, target, concurrency, closing);
  const cpuRamp2 = process.cpuUsage(cpu1);
  phase = `measuring at ${clients.length} clients`;
  const atTarget = await measure(clients, base);
  if (params.snapshotDir) writeHeapSnapshot(join(params.snapshotDir, `${lib}-${clients.length}.heapsnapshot`));
  if (clients.length !== target) throw new Error(`only ${clients.length} of ${target} clients connected: ${errors.samples.join("; ")}`);

  phase = `${acks} acks per client`;
  const ackRes = acks > 0 ? await ackLoad(clients, acks, url) : null;
  if (hold > 0) {
    phase = `holding ${clients.length} clients for ${hold} ms`;
    await new Promise((r) => setTimeout(r, hold));
  }
  const stillConnected = clients.filter((s) => s.connected).length;

  phase = "disconnecting";
  closing.value = true;
  for (const s of clients) s.disconnect();

  connectMs.sort((a, b) => a - b);
  const cpuConnect = (cpuRamp1.user + cpuRamp1.system + cpuRamp2.user + cpuRamp2.system) / 1000;
  const marginalHeap = (atTarget.mem.heapUsed - atCheckpoint.mem.heapUsed) / (atTarget.clients - atCheckpoint.clients) / 1024;
  return {
    metrics: {
      connectAllMs: ramp1 + ramp2,
      connectsPerSec: target / ((ramp1 + ramp2) / 1000),
      connectP50Ms: percentile(connectMs, 50),
      connectP99Ms: percentile(connectMs, 99),
      connectCpuMsPerClient: cpuConnect / target,
      heapPerClientKB: atTarget.perClient.heapKB,
      heapMarginalKB: Number.isFinite(marginalHeap) ? marginalHeap : null,
      rssPerClientKB: atTarget.perClient.rssKB,
      externalPerClientKB: atTarget.perClient.externalKB,
      acksPerSec: ackRes?.acksPerSec ?? null,
      ackP50Ms: ackRes?.p50Ms ?? null,
      ackP99Ms: ackRes?.p99Ms ?? null,
      ackCpuMsPer1k: ackRes?.cpuMsPer1k ?? null,
      ackServerCpuMsPer1k: ackRes?.serverCpuMsPer1k ?? null,
      ackClientCpuShare: ackRes?.clientCpuShare ?? null,
      ackServerCpuShare: ackRes?.serverCpuShare ?? null,
      errors: errors.connect + errors.disconnect + errors.ack,
    },
    info: {
      clients: target,
      concurrency,
      acksPerClient: acks,
      holdMs: hold,
      stillConnected,
      errors,
      acks: ackRes,
      checkpoint: { clients: atCheckpoint.clients, perClient: atCheckpoint.perClient, resources: atCheckpoint.resources },
      target: { clients: atTarget.clients, perClient: atTarget.perClient, resources: atTarget.resources },
      baseline: { mem: base.mem, resources: base.resources },
      node: process.version,
    },
  };
}

main().then(
  (res) => {
    clearTimeout(watchdog);
    report({ ok: true, ...res });
  },
  (err) => report({ ok: false, error: `${phase}: ${describe(err)}`, errors }),
);
