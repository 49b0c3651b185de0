// Benchmark client: runs ONE scenario with ONE client library in this process and prints one JSON line.
//
// Usage: node [--import tsx] --expose-gc bench/client.mjs <lib> <scenario> '<json params>'
//   lib:      siolink | socket.io-client | raw
//   scenario: probe | emit | receive | acks | pipelined | binary | connect | connect-ws | many | polling
// Output (stdout, last line): {"ok":true,"lib":...,"scenario":...,"metrics":{...},"info":{...}}
//                          or {"ok":false,"lib":...,"scenario":...,"error":"..."}
// The process always ends: a watchdog reports a failure and exits once params.timeoutMs has passed, and it
// exits when its parent goes away (stdin closes, when params.watchParent is set).

import { performance } from "node:perf_hooks";
import { clientProcess, describe, intParam, loadIo as loadLib, median, percentile, settleGc } from "./common.mjs";

const [lib, scenario, paramsJson = "{}"] = process.argv.slice(2);
const params = JSON.parse(paramsJson);
const timeoutMs = Number(params.timeoutMs) > 0 ? Number(params.timeoutMs) : 60_000;

/** Name of the step in progress, so a timeout says where the scenario stalled. */
let phase = "start";

// Closing handshakes still in flight when the result is printed get 150 ms before the process exits (a polling
// session would otherwise linger on the server until its ping timeout).
const { report, watchdog } = clientProcess({ header: { lib, scenario }, params, timeoutMs, closeGraceMs: 150, phase: () => phase });

// ---------- measurement helpers ----------

function cpuNow() {
  const u = process.cpuUsage();
  return u.user + u.system; // microseconds, all threads of this process
}

const int = (name, fallback) => intParam(params, name, fallback);

const SINK_PAYLOAD = { i: 1, text: "hello world", ok: true };
const ECHO_PAYLOAD = { t: "ping", n: 42 };

// ---------- socket.io-like clients (siolink, socket.io-client) ----------

/** Connects a fresh manager (no multiplexing, no reconnection so failures surface). */
function sioConnect(io, extra = {}) {
  return new Promise((resolve, reject) => {
    const socket = io(params.url, { forceNew: true, reconnection: false, ...extra });
    const onError = (err) => {
      socket.off("connect", onConnect);
      reject(new Error(`connect_error: ${describe(err)}`));
    };
    const onConnect = () => {
      socket.off("connect_error", onError);
      resolve(socket);
    };
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
  });
}

function sioAdapter(socket) {
  return {
    sinkBurst(n) {
      for (let i = 0; i < n; i++) socket.emit("sink", SINK_PAYLOAD);
    },
    count() {
      return new Promise((resolve) => socket.emit("count", resolve));
    },
    echoCb(cb) {
      socket.emit("echo", ECHO_PAYLOAD, cb);
    },
    binCb(buf, cb) {
      socket.emit("bin", buf, cb);
    },
    flood(n, onMsg) {
      return new Promise((resolve) => {
        socket.on("msg", onMsg);
        socket.once("flood-end", (total) => {
          socket.off("msg", onMsg);
          resolve(total);
        });
        socket.emit("flood", { n, payload: SINK_PAYLOAD });
      });
    },
    close() {
      socket.disconnect();
    },
  };
}

// ---------- raw client: plain ws, Engine.IO/Socket.IO framing by hand ----------

const SINK_FRAME = `42${JSON.stringify(["sink", SINK_PAYLOAD])}`;
const ECHO_ARGS = `${JSON.stringify(ECHO_PAYLOAD)}]`;

class RawClient {
  #ws;
  #nextId = 0;
  #pending = new Map();
  #binWaiting = [];
  onMsg = null;
  onFloodEnd = null;

  constructor(ws) {
    this.#ws = ws;
  }

  /** Resolves once the Socket.IO CONNECT for the main namespace is acknowledged. */
  static connect(WebSocket) {
    return new Promise((resolve, reject) => {
      const url = `ws://127.0.0.1:${params.port}/socket.io/?EIO=4&transport=websocket`;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const client = new RawClient(ws);
      let state = "opening";
      ws.on("message", (data, isBinary) => {
        if (state === "open") return client.#onFrame(data, isBinary);
        const text = data.toString();
        if (state === "opening" && text.charCodeAt(0) === 0x30 /* "0" open */) {
          state = "connecting";
          ws.send("40");
        } else if (state === "connecting" && text.startsWith("40")) {
          state = "open";
          resolve(client);
        } else if (text.startsWith("44")) {
          reject(new Error(`raw connect refused: ${text}`));
          ws.terminate();
        } else if (text === "2") {
          ws.send("3");
        }
      });
      ws.on("error", (err) => reject(err));
      ws.on("close", () => {
        if (state !== "open") reject(new Error("raw websocket closed before connect"));
      });
    });
  }

  #onFrame(data, isBinary) {
    if (isBinary) {
      const id = this.#binWaiting.shift();
      const cb = this.#pending.get(id);
      if (cb) {
        this.#pending.delete(id);
        cb(data);
      }
      return;
    }
    const text = data.toString();
    if (text.startsWith('42["msg"')) {
      this.onMsg?.();
    } else if (text.startsWith("43")) {
      const id = parseLeadingInt(text, 2);
      const cb = this.#pending.get(id);
      if (cb) {
        this.#pending.delete(id);
        cb(text);
      }
    } else if (text.startsWith("461-")) {
      this.#binWaiting.push(parseLeadingInt(text, 4));
    } else if (text === "2") {
      this.#ws.send("3");
    } else if (text.startsWith('42["flood-end"')) {
      this.onFloodEnd?.();
    }
  }

  send(frame) {
    this.#ws.send(frame);
  }

  /** Sends `42<id>["event",<argsJson>` and calls cb with the raw ack frame text. */
  callCb(event, argsJson, cb) {
    const id = this.#nextId++;
    this.#pending.set(id, cb);
    this.#ws.send(argsJson === null ? `42${id}["${event}"]` : `42${id}["${event}",${argsJson}`);
  }

  /** Binary event with one attachment; cb gets the echoed attachment. */
  binCb(buf, cb) {
    const id = this.#nextId++;
    this.#pending.set(id, cb);
    this.#ws.send(`451-${id}["bin",{"_placeholder":true,"num":0}]`);
    this.#ws.send(buf);
  }

  close() {
    this.#ws.send("41");
    this.#ws.close();
  }
}

function parseLeadingInt(text, from) {
  let n = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return n;
}

function rawAdapter(client) {
  return {
    sinkBurst(n) {
      for (let i = 0; i < n; i++) client.send(SINK_FRAME);
    },
    count() {
      return new Promise((resolve) => client.callCb("count", null, (text) => resolve(JSON.parse(text.slice(text.indexOf("[")))[0])));
    },
    echoCb(cb) {
      client.callCb("echo", ECHO_ARGS, cb);
    },
    binCb(buf, cb) {
      client.binCb(buf, cb);
    },
    flood(n, onMsg) {
      return new Promise((resolve) => {
        client.onMsg = onMsg;
        client.onFloodEnd = () => {
          client.onMsg = null;
          client.onFloodEnd = null;
          resolve(n);
        };
        client.send(`42${JSON.stringify(["flood", { n, payload: SINK_PAYLOAD }])}`);
      });
    },
    close() {
      client.close();
    },
  };
}

// ---------- connection factory per library ----------

async function makeConnector() {
  if (lib === "raw") {
    const { WebSocket } = await import("ws");
    return {
      connect: async (mode) => {
        if (mode !== "websocket") throw new Error(`raw client supports only websocket, not ${mode}`);
        return rawAdapter(await RawClient.connect(WebSocket));
      },
    };
  }
  const io = await loadLib(lib, params);
  return {
    connect: async (mode) => {
      const opts = mode === "websocket" ? { transports: ["websocket"] } : mode === "polling" ? { transports: ["polling"] } : {};
      return sioAdapter(await sioConnect(io, opts));
    },
  };
}

// ---------- scenarios ----------

async function emitThroughput(connector, mode, n) {
  phase = "connect";
  const c = await connector.connect(mode);
  const warm = Math.min(n, Math.max(1000, Math.floor(n / 5)));
  phase = "warm-up emits";
  c.sinkBurst(warm);
  const c0 = await c.count();
  phase = "measured emits";
  const t0 = performance.now();
  const cpu0 = cpuNow();
  c.sinkBurst(n);
  phase = "waiting for the server to count every emit";
  const c1 = await c.count();
  const elapsed = performance.now() - t0;
  const cpuMs = (cpuNow() - cpu0) / 1000;
  if (c1 - c0 !== n) throw new Error(`server counted ${c1 - c0} sink messages, expected ${n}`);
  c.close();
  return {
    metrics: { msgsPerSec: n / (elapsed / 1000), cpuMsPer100k: (cpuMs * 100_000) / n },
    info: { n, elapsedMs: elapsed, cpuMs, warm },
  };
}

async function receiveThroughput(connector, n) {
  phase = "connect";
  const c = await connector.connect("websocket");
  let got = 0;
  const onMsg = () => {
    got++;
  };
  phase = "warm-up flood";
  const warm = Math.min(n, 5000);
  await c.flood(warm, onMsg);
  if (got !== warm) throw new Error(`warm-up: received ${got} messages, expected ${warm}`);
  got = 0;
  phase = "measured flood";
  const t0 = performance.now();
  const cpu0 = cpuNow();
  await c.flood(n, onMsg);
  const elapsed = performance.now() - t0;
  const cpuMs = (cpuNow() - cpu0) / 1000;
  if (got !== n) throw new Error(`received ${got} messages, expected ${n}`);
  c.close();
  return {
    metrics: { msgsPerSec: n / (elapsed / 1000), cpuMsPer100k: (cpuMs * 100_000) / n },
    info: { n, elapsedMs: elapsed, cpuMs },
  };
}

async function sequentialAcks(connector, n) {
  phase = "connect";
  const c = await connector.connect("websocket");
  const once = () => new Promise((resolve) => c.echoCb(resolve));
  phase = "warm-up acks";
  for (let i = 0; i < Math.min(500, n); i++) await once();
  phase = "measured sequential acks";
  const lat = new Array(n);
  const cpu0 = cpuNow();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    lat[i] = (performance.now() - t) * 1000;
  }
  const cpuMs = (cpuNow() - cpu0) / 1000;
  c.close();
  return {
    metrics: { p50Us: percentile(lat, 50), p99Us: percentile(lat, 99) },
    info: { n, cpuMs, meanUs: lat.reduce((a, b) => a + b, 0) / n },
  };
}

function windowed(total, window, start) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const next = (res) => {
      done++;
      if (res instanceof Error) return reject(res);
      if (sent < total) {
        sent++;
        start(next);
      } else if (done === total) {
        resolve();
      }
    };
    const first = Math.min(window, total);
    while (sent < first) {
      sent++;
      start(next);
    }
  });
}

async function pipelinedAcks(connector, n, window) {
  phase = "connect";
  const c = await connector.connect("websocket");
  phase = "warm-up pipelined acks";
  await windowed(Math.min(n, 2000), window, (next) => c.echoCb(next));
  phase = "measured pipelined acks";
  const t0 = performance.now();
  const cpu0 = cpuNow();
  await windowed(n, window, (next) => c.echoCb(next));
  const elapsed = performance.now() - t0;
  const cpuMs = (cpuNow() - cpu0) / 1000;
  c.close();
  return {
    metrics: { acksPerSec: n / (elapsed / 1000), cpuMsPer100k: (cpuMs * 100_000) / n },
    info: { n, window, elapsedMs: elapsed, cpuMs },
  };
}

async function binaryEcho(connector, n, size, window) {
  phase = "connect";
  const c = await connector.connect("websocket");
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31) & 0xff;
  const start = (next) =>
    c.binCb(buf, (res) => {
      const len = res?.byteLength;
      next(len === size ? undefined : new Error(`binary ack carried ${len} bytes, expected ${size}`));
    });
  phase = "warm-up binary echoes";
  await windowed(Math.min(n, 20), window, start);
  phase = "measured binary echoes";
  const t0 = performance.now();
  const cpu0 = cpuNow();
  await windowed(n, window, start);
  const elapsed = performance.now() - t0;
  const cpuMs = (cpuNow() - cpu0) / 1000;
  c.close();
  const mb = (n * size) / 1e6;
  return {
    metrics: { mbPerSec: mb / (elapsed / 1000), cpuMsPerMB: cpuMs / mb },
    info: { n, size, window, elapsedMs: elapsed, cpuMs },
  };
}

/** Pause after each connect's close in the connect scenarios, outside the timed window. */
const CLOSE_SETTLE_MS = 20;

async function connectTime(connector, mode, n) {
  const warm = Math.min(5, n);
  const times = [];
  let cpuTotal = 0;
  for (let i = 0; i < warm + n; i++) {
    phase = `connect #${i + 1}`;
    const cpu0 = cpuNow();
    const t0 = performance.now();
    const c = await connector.connect(mode);
    const ms = performance.now() - t0;
    const cpu = cpuNow() - cpu0;
    c.close();
    if (i >= warm) {
      times.push(ms);
      cpuTotal += cpu;
    }
    // The closing handshake (client and server) runs outside the next connect's window: without this pause
    // each connect was also timed and charged for the teardown of the one before.
    phase = `closing #${i + 1}`;
    await new Promise((r) => setTimeout(r, CLOSE_SETTLE_MS));
  }
  return {
    metrics: { connectMs: median(times), cpuMsPerConnect: cpuTotal / 1000 / n },
    info: { n, warm, minMs: Math.min(...times), maxMs: Math.max(...times), mode },
  };
}

async function manyClients(connector, n, concurrency) {
  phase = "warm-up connect";
  (await connector.connect("websocket")).close();
  await new Promise((r) => setTimeout(r, 50));
  await settleGc();
  const before = process.memoryUsage();
  const clients = [];
  phase = `connecting ${n} clients`;
  const t0 = performance.now();
  let started = 0;
  await new Promise((resolve, reject) => {
    let done = 0;
    let failed = false;
    const launch = () => {
      started++;
      connector.connect("websocket").then(
        (c) => {
          clients.push(c);
          done++;
          if (done === n) resolve();
          else if (started < n) launch();
        },
        (err) => {
          if (!failed) {
            failed = true;
            reject(new Error(`client ${done + 1} of ${n} failed: ${describe(err)}`));
          }
        },
      );
    };
    for (let i = 0; i < Math.min(concurrency, n); i++) launch();
  });
  const connectAllMs = performance.now() - t0;
  phase = "measuring memory";
  await settleGc();
  const after = process.memoryUsage();
  for (const c of clients) c.close();
  return {
    metrics: {
      heapPerClientKB: (after.heapUsed - before.heapUsed) / n / 1024,
      rssPerClientKB: (after.rss - before.rss) / n / 1024,
      connectAllMs,
    },
    info: {
      n,
      concurrency,
      externalPerClientKB: (after.external - before.external) / n / 1024,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
    },
  };
}

// ---------- main ----------

async function main() {
  if (scenario === "probe") {
    phase = "import";
    if (lib === "raw") await import("ws");
    else await loadLib(lib, params);
    return { metrics: {}, info: { node: process.version } };
  }
  phase = "import";
  const connector = await makeConnector();
  switch (scenario) {
    case "emit":
      return emitThroughput(connector, "websocket", int("n", 100_000));
    case "polling":
      if (lib === "raw") throw new Error("raw client does not implement polling");
      return emitThroughput(connector, "polling", int("n", 20_000));
    case "receive":
      return receiveThroughput(connector, int("n", 100_000));
    case "acks":
      return sequentialAcks(connector, int("n", 3000));
    case "pipelined":
      return pipelinedAcks(connector, int("n", 50_000), int("window", 64));
    case "binary":
      return binaryEcho(connector, int("n", 500), int("size", 65_536), int("window", 4));
    case "connect":
      if (lib === "raw") throw new Error("raw client does not implement the default (polling first) transport");
      return connectTime(connector, "default", int("n", 30));
    case "connect-ws":
      return connectTime(connector, "websocket", int("n", 30));
    case "many":
      return manyClients(connector, int("n", 2000), int("concurrency", 128));
    default:
      throw new Error(`unknown scenario "${scenario}"`);
  }
}

main().then(
  (res) => {
    clearTimeout(watchdog);
    report({ ok: true, ...res });
  },
  (err) => report({ ok: false, error: `${phase}: ${describe(err)}` }),
);
