// What the benchmarks share: the drivers (run.mjs, scale.mjs) start servers and client processes and clean
// them up; the client processes (client.mjs, scale-client.mjs) report one JSON line under a watchdog; the
// servers (server.mjs, scale-server.mjs) answer GET /bench/stats and exit with their parent. Importing this
// module has no side effects.

import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createServer, request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = dirname(BENCH_DIR);

// ---------- drivers: child processes ----------

/** Every child a driver started, so they can all be killed (by pid) on exit or on a signal. */
const children = new Set();
let cleanupInstalled = false;

/** Kills (SIGKILL) every tracked child still running. */
export function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

/** Remembers `child` until it exits; the first call makes the driver kill what is left when it exits. */
export function track(child) {
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.on("exit", killAll);
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
      process.on(sig, () => {
        killAll();
        process.exit(130);
      });
    }
  }
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

export function log(msg) {
  process.stderr.write(msg + "\n");
}

/** Resolves true once `child` has exited, false if it is still running after `ms`. */
export function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/**
 * Starts a bench server script (it prints `{"port":N}` once listening and exits when its stdin closes).
 * `stop()` closes its stdin and kills it if it has not exited after `stopWaitMs`.
 */
export async function startServer(script, args = [], { stopWaitMs = 3000 } = {}) {
  const child = track(spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }));
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const port = await new Promise((resolve, reject) => {
    let buf = "";
    const t = setTimeout(() => reject(new Error(`server did not report its port within 15 s; stderr: ${stderr}`)), 15_000);
    const onData = (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(t);
      child.stdout.off("data", onData);
      try {
        resolve(JSON.parse(buf.slice(0, nl)).port);
      } catch {
        reject(new Error(`server printed "${buf.slice(0, nl)}" instead of {"port":N}`));
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
  child.stdout.resume();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      child.stdin.end();
      if (!(await waitExit(child, stopWaitMs))) {
        process.kill(child.pid, "SIGKILL");
        await waitExit(child, 3000);
      }
    },
  };
}

/** GET /bench/stats of a bench server (`url` like http://127.0.0.1:PORT): its counters, CPU and memory. */
export function serverStats(url, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/bench/stats`, { agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("stats request timed out")));
    req.on("error", reject);
    req.end();
  });
}

/**
 * Runs one bench client process (`args`: the script and its arguments; `params` go last, as JSON, with
 * timeoutMs and watchParent added) and resolves with the last JSON line it printed, or `{ ok: false, error }`.
 * The client has its own watchdog at `timeoutMs`; this one kills a client too stuck to run it.
 */
export function runClient(args, { params = {}, execArgv = [], timeoutMs, killAfterMs = 10_000 }) {
  const argv = [...execArgv, "--expose-gc", ...args, JSON.stringify({ ...params, timeoutMs, watchParent: true })];
  const child = track(spawn(process.execPath, argv, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] }));
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  return new Promise((resolve) => {
    const hardKill = setTimeout(() => {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs + killAfterMs);
    child.once("exit", (code, signal) => {
      clearTimeout(hardKill);
      const line = stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("{"))
        .pop();
      let result = null;
      try {
        result = line ? JSON.parse(line) : null;
      } catch {
        result = null;
      }
      if (!result) {
        const why = signal ? `killed by ${signal}` : `exited with ${code}`;
        result = { ok: false, error: `client ${why} without a result; stderr: ${stderr.trim().slice(-600)}` };
      } else if (!result.ok && stderr.trim()) {
        result.stderr = stderr.trim().slice(-600);
      }
      resolve(result);
    });
  });
}

/** Newest modification time (ms) of the TypeScript sources: a build older than this does not measure them. */
export function newestSourceMtime(dir = join(ROOT, "src")) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

// ---------- statistics and tables ----------

export function median(xs) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The p-th percentile (nearest rank) of `xs`, or null when there are none. */
export function percentile(xs, p) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** A plain-text table: padded columns, a rule under the headers. */
export function table(rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

// ---------- client processes ----------

export function describe(err) {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * Sets up a bench client process: `report(result)` prints `{...header, ...result}` as one JSON line, once, then
 * exits (after `closeGraceMs` on success, so closing handshakes can reach the server); a watchdog reports a
 * failure after `timeoutMs`; uncaught errors are reported with the current `phase()`; with
 * params.watchParent the process exits when its parent goes away (stdin closes).
 */
export function clientProcess({ header, params, timeoutMs, closeGraceMs, phase }) {
  let finished = false;
  const report = (obj) => {
    if (finished) return;
    finished = true;
    process.stdout.write(JSON.stringify({ ...header, ...obj }) + "\n");
    // Bounds the exit even if stdout cannot be flushed or sockets are still closing.
    setTimeout(() => process.exit(obj.ok ? 0 : 1), obj.ok ? closeGraceMs : 0);
  };
  const watchdog = setTimeout(() => {
    report({ ok: false, error: `timed out after ${timeoutMs} ms during "${phase()}"` });
  }, timeoutMs);
  // The driver passes watchParent: it keeps our stdin open and closes it only by going away.
  if (params.watchParent) {
    process.stdin.on("end", () => process.exit(3));
    process.stdin.on("error", () => process.exit(3));
    process.stdin.resume();
  }
  process.on("unhandledRejection", (err) => report({ ok: false, error: `unhandled rejection in "${phase()}": ${describe(err)}` }));
  process.on("uncaughtException", (err) => report({ ok: false, error: `uncaught exception in "${phase()}": ${describe(err)}` }));
  return { report, watchdog };
}

/** A whole-number parameter at least `min`, else `fallback`. */
export function intParam(params, name, fallback, min = 1) {
  const v = Number(params[name]);
  return Number.isFinite(v) && v >= min ? Math.floor(v) : fallback;
}

/** Forced garbage collection until the heap settles (the process must run with --expose-gc). */
export async function settleGc() {
  if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc to measure memory");
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
}

/** The io() function of socket.io-client, or of siolink from `params.siolinkEntry` (a file: URL). */
export async function loadIo(lib, params) {
  if (lib === "socket.io-client") {
    const m = await import("socket.io-client");
    return m.io ?? m.default;
  }
  if (lib === "siolink") {
    if (typeof params.siolinkEntry !== "string") throw new Error("params.siolinkEntry is required for siolink");
    const m = await import(params.siolinkEntry);
    const io = m.io ?? m.default;
    if (typeof io !== "function") throw new Error(`siolink entry ${params.siolinkEntry} exports no io() function`);
    return io;
  }
  throw new Error(`unknown socket.io-like library "${lib}"`);
}

// ---------- servers ----------

/** An HTTP server that answers GET /bench/stats with `stats()` plus the process's CPU and memory, 404 otherwise. */
export function statsServer(stats) {
  return createServer((req, res) => {
    if (req.method === "GET" && req.url === "/bench/stats") {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      const body = JSON.stringify({
        ...stats(mem),
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        rss: mem.rss,
        heapUsed: mem.heapUsed,
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // Everything under /socket.io/ is taken by the socket.io server before reaching this handler.
    res.writeHead(404);
    res.end();
  });
}

/**
 * Listens on 127.0.0.1 (any free port), prints `{"port":N}`, and shuts down when the parent goes away (stdin
 * closes) or on SIGTERM/SIGINT. io.close() waits for open connections: a stuck client cannot keep it alive.
 */
export function serveUntilParentExits(http, io, { backlog }) {
  const shutdown = (code) => {
    io.close();
    http.closeAllConnections?.();
    setTimeout(() => process.exit(code), 200).unref();
  };
  process.stdin.on("end", () => shutdown(0));
  process.stdin.on("error", () => shutdown(0));
  process.stdin.resume();
  process.on("SIGTERM", () => shutdown(0));
  process.on("SIGINT", () => shutdown(0));
  http.listen({ port: 0, host: "127.0.0.1", backlog }, () => {
    process.stdout.write(JSON.stringify({ port: http.address().port }) + "\n");
  });
}
