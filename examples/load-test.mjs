// Load-tests a Socket.IO service from one Node process with siolink: N virtual users, each on its own
// WebSocket connection, ramped up at a fixed rate, each sending acknowledged emits; prints connect times,
// ack latency percentiles and every error. See bench/LOAD-TESTING.md for the recipe and the limits to raise.
//
//   node examples/load-test.mjs URL [--clients 1000] [--rate 200] [--concurrency 200] [--emits 10]
//        [--event echo] [--payload '{"hello":"world"}'] [--ack-timeout 5000] [--connect-timeout 20000]
//        [--hold 0] [--local-address 127.0.0.1,127.0.0.2]
//   node examples/load-test.mjs serve [PORT]     a socket.io echo server to try it on (needs the socket.io package)
//
// Needs `npx rollup -c` first in this repository (it imports the built package by name), or `npm i siolink`.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { io } from "siolink";

const USAGE = `usage: node examples/load-test.mjs URL [--clients N] [--rate PER_S] [--concurrency N] [--emits N]
       [--event NAME] [--payload JSON] [--ack-timeout MS] [--connect-timeout MS] [--hold MS] [--local-address A,B]
       node examples/load-test.mjs serve [PORT]`;

// ---------- a server to try it on ----------

async function serve(port) {
  const { Server } = await import("socket.io"); // only this mode needs it
  const ioServer = new Server(port, { transports: ["websocket"] });
  ioServer.on("connection", (socket) => {
    // Any event with an acknowledgement gets its first argument back.
    socket.onAny((...args) => {
      const ack = args[args.length - 1];
      if (typeof ack === "function") ack(args.length > 2 ? args[1] : null);
    });
  });
  ioServer.httpServer.once("listening", () => {
    const { port: actual } = ioServer.httpServer.address();
    console.log(`echo server on http://127.0.0.1:${actual} (any event with an ack is echoed); Ctrl+C to stop`);
  });
  process.on("SIGINT", () => ioServer.close(() => process.exit(0)));
}

// ---------- options ----------

function parseOptions(argv) {
  const o = {
    url: undefined,
    clients: 1000,
    rate: 200,
    concurrency: 200,
    emits: 10,
    event: "echo",
    payload: { hello: "world" },
    ackTimeout: 5000,
    connectTimeout: 20_000,
    hold: 0,
    localAddresses: [],
  };
  const ints = {
    "--clients": "clients",
    "--rate": "rate",
    "--concurrency": "concurrency",
    "--emits": "emits",
    "--ack-timeout": "ackTimeout",
    "--connect-timeout": "connectTimeout",
    "--hold": "hold",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (ints[a]) {
      const v = Number(next());
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      o[ints[a]] = v;
    } else if (a === "--event") o.event = next();
    else if (a === "--payload") o.payload = JSON.parse(next());
    else if (a === "--local-address") o.localAddresses = next().split(",").map((s) => s.trim()).filter(Boolean);
    else if (!a.startsWith("--") && o.url === undefined) o.url = a;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.url) throw new Error("a server URL is required");
  if (!URL.canParse(o.url)) throw new Error(`not a URL: ${o.url}`);
  if (o.clients < 1 || o.rate < 1 || o.concurrency < 1) throw new Error("--clients, --rate and --concurrency must be ≥ 1");
  return o;
}

// ---------- limits: file descriptors and source ports ----------

function checkLimits(o) {
  const warnings = [];
  try {
    const fds = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    // One descriptor per connection, plus what Node itself holds.
    if (fds !== "unlimited" && Number(fds) < o.clients + 100) {
      throw new Error(`ulimit -n is ${fds}: too low for ${o.clients} connections; run "ulimit -n ${o.clients + 100}" first`);
    }
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("ulimit")) throw err;
    warnings.push("could not read the file descriptor limit (ulimit -n)");
  }
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    // Each connection to one server ip:port needs its own (source ip, source port) pair.
    const sources = Math.max(1, o.localAddresses.length);
    if ((hi - lo + 1) * sources < o.clients) {
      throw new Error(
        `ephemeral ports ${lo}-${hi} x ${sources} source address(es) cannot hold ${o.clients} connections to one server ` +
          `address: add --local-address with more addresses, or widen net.ipv4.ip_local_port_range`,
      );
    }
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("ephemeral")) throw err;
    // Not Linux: nothing to check.
  }
  return warnings;
}

// ---------- statistics ----------

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : "-");

// ---------- the run ----------

async function run(o) {
  for (const w of checkLimits(o)) console.warn(`warning: ${w}`);

  const sockets = [];
  const connectMs = [];
  const ackMs = [];
  const errors = new Map();
  const noteError = (what) => errors.set(what, (errors.get(what) ?? 0) + 1);
  let launched = 0;
  let inFlight = 0;
  let connected = 0;
  let settled = 0; // users whose connect succeeded or failed
  let lastSettledAt = NaN;
  let finishedUsers = 0;
  let closing = false;
  let acksOk = 0;
  let lastAckAt = 0;
  let allDone;
  const done = new Promise((resolve) => (allDone = resolve));
  const userFinished = () => {
    finishedUsers++;
    if (finishedUsers === o.clients) allDone();
  };

  async function virtualUser(index) {
    const t0 = performance.now();
    const socket = io(o.url, {
      forceNew: true, // its own Manager, so its own connection: no multiplexing between virtual users
      transports: ["websocket"], // no polling first: one TCP connection per user, no upgrade
      reconnection: false, // a drop is a result to count, not something to hide by reconnecting
      timeout: o.connectTimeout,
      // Round-robin over the source addresses: each one has its own range of ephemeral ports.
      ...(o.localAddresses.length > 0 ? { localAddress: o.localAddresses[index % o.localAddresses.length] } : {}),
    });
    sockets.push(socket);
    const ok = await new Promise((resolve) => {
      socket.once("connect", () => resolve(true));
      socket.once("connect_error", (err) => {
        noteError(`connect_error: ${err.message}`);
        resolve(false);
      });
    });
    inFlight--;
    settled++;
    lastSettledAt = performance.now();
    pump();
    if (!ok) {
      socket.disconnect();
      return userFinished();
    }
    connected++;
    connectMs.push(performance.now() - t0);
    socket.on("disconnect", (reason) => {
      if (!closing) noteError(`disconnect: ${reason}`);
    });
    for (let i = 0; i < o.emits && socket.connected; i++) {
      const s = performance.now();
      try {
        await socket.timeout(o.ackTimeout).emitWithAck(o.event, o.payload);
        ackMs.push(performance.now() - s);
        acksOk++;
        lastAckAt = performance.now();
      } catch (err) {
        noteError(`ack: ${err.message}`);
      }
    }
    userFinished();
  }

  // Ramp-up: start `rate` connects per second, never more than `concurrency` still connecting at once.
  const start = performance.now();
  function pump() {
    const due = Math.min(o.clients, Math.floor(((performance.now() - start) / 1000) * o.rate) + 1);
    while (launched < due && inFlight < o.concurrency) {
      inFlight++;
      virtualUser(launched++);
    }
  }
  const ramp = setInterval(() => {
    pump();
    if (launched === o.clients) clearInterval(ramp);
  }, 20);
  pump();

  const progress = setInterval(() => {
    const errs = [...errors.values()].reduce((a, b) => a + b, 0);
    console.error(`  ${((performance.now() - start) / 1000).toFixed(1)} s: ${connected}/${o.clients} connected, ${inFlight} connecting, ${acksOk} acks, ${errs} errors`);
  }, 1000);

  const interrupted = new Promise((resolve) => process.once("SIGINT", () => resolve("interrupted")));
  const outcome = await Promise.race([done.then(() => "done"), interrupted]);
  clearInterval(ramp);
  const connectAllMs = lastSettledAt - start;
  if (o.hold > 0 && outcome === "done") await new Promise((r) => setTimeout(r, o.hold));
  clearInterval(progress);
  const stillConnected = sockets.filter((s) => s.connected).length;

  // Cleanup: every socket disconnects (sends its goodbye and closes its WebSocket).
  closing = true;
  for (const s of sockets) s.disconnect();

  connectMs.sort((a, b) => a - b);
  ackMs.sort((a, b) => a - b);
  const ackWindow = (lastAckAt - start) / 1000;
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  console.log(`
${outcome === "interrupted" ? "INTERRUPTED: partial results\n" : ""}target            ${o.url} (${o.clients} users, ${o.rate}/s ramp, ${o.concurrency} connecting at most, ${o.emits} emits each)
connected         ${connected}/${o.clients} (still connected at the end: ${stillConnected})
connect time      p50 ${ms(percentile(connectMs, 50))}, p99 ${ms(percentile(connectMs, 99))}, max ${ms(connectMs.at(-1))}; all settled after ${ms(settled === o.clients ? connectAllMs : NaN)}
acks              ${acksOk}/${connected * o.emits}, ${ackWindow > 0 ? (acksOk / ackWindow).toFixed(0) : "-"} acks/s (from the first connect to the last ack)
ack latency       p50 ${ms(percentile(ackMs, 50))}, p99 ${ms(percentile(ackMs, 99))}, max ${ms(ackMs.at(-1))}
errors            ${errorCount}${[...errors].map(([what, n]) => `\n  ${n} x ${what}`).join("")}`);
  return errorCount === 0 && connected === o.clients && outcome === "done";
}

// ---------- main ----------

const argv = process.argv.slice(2);
if (argv[0] === "serve") {
  await serve(Number(argv[1] ?? 3001));
} else {
  let opts;
  try {
    opts = parseOptions(argv);
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(2);
  }
  try {
    const ok = await run(opts);
    process.exitCode = ok ? 0 : 1;
    // Sockets were asked to close: the process ends once they are; this bounds the wait if one lingers.
    setTimeout(() => process.exit(), 2000).unref();
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
}
