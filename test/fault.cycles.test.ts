// Proves that hundreds of reconnection cycles leave nothing behind: in a child process run with --expose-gc
// (test/fixtures/hardening-cycles.ts), after 300 cycles the listener counts on the socket, the Manager and
// the current Engine.IO session equal their baseline, the active handles and timers are the same, the heap
// is flat after GC, `connect` fired exactly once per cycle, and after disconnect() nothing remains.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startServer } from "./helpers/server";

const fixture = fileURLToPath(new URL("./fixtures/hardening-cycles.ts", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));
/** Heap growth allowed between cycle 10 and the last cycle: a retained session per cycle would be far more. */
const HEAP_SLACK = 3 * 1024 * 1024;

interface Snapshot {
  socket: number;
  manager: number;
  engine: number;
  resources: Record<string, number>;
  heap: number;
}

interface Report {
  cycles: number;
  connects: number;
  disconnects: number;
  reconnects: number;
  engineOpens: number;
  baseline: Snapshot;
  final: Snapshot;
  afterDisconnect: Record<string, number>;
  elapsed: number;
}

function run(url: string, cycles: number, transport: string): Promise<{ code: number | null; report: Report | undefined; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", fixture, url, String(cycles), transport], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // Failure bound: a child that does not exit by itself is a leak; kill it by pid so the test ends.
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, 50_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop();
      resolve({ code, report: line ? (JSON.parse(line) as Report) : undefined, stderr });
    });
  });
}

for (const { transport, cycles } of [
  { transport: "websocket", cycles: 300 },
  { transport: "polling", cycles: 100 },
] as const) {
  test(`${cycles} reconnection cycles (${transport}): listeners, handles and heap back to baseline`, { timeout: 60_000 }, async (t) => {
    const server = await startServer(t);
    server.io.on("connection", (socket) => {
      socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
      socket.on("kick", () => socket.conn.close());
    });
    const { code, report, stderr } = await run(server.url, cycles, transport);
    assert.equal(code, 0, `the child exited by itself, successfully (stderr: ${stderr.slice(-2000)})`);
    assert.ok(report, "the child reported");
    const { baseline, final } = report;
    t.diagnostic(
      `${cycles} cycles in ${report.elapsed} ms; heap ${(baseline.heap / 1e6).toFixed(2)} MB -> ${(final.heap / 1e6).toFixed(2)} MB; ` +
        `resources ${JSON.stringify(final.resources)}`,
    );
    assert.equal(report.connects, cycles + 1, "connect fired once per cycle (plus the first)");
    assert.equal(report.disconnects, cycles);
    assert.equal(report.reconnects, cycles);
    assert.equal(report.engineOpens, cycles + 1);
    assert.deepEqual(
      { socket: final.socket, manager: final.manager, engine: final.engine },
      { socket: baseline.socket, manager: baseline.manager, engine: baseline.engine },
      "listener counts back to baseline",
    );
    assert.deepEqual(final.resources, baseline.resources, "same active handles and timers as at the baseline");
    assert.ok(final.heap - baseline.heap < HEAP_SLACK, `heap grew by ${final.heap - baseline.heap} bytes`);
    assert.equal(report.afterDisconnect.TCPSocketWrap ?? 0, 0, "no socket left after disconnect()");
    assert.equal(report.afterDisconnect.Timeout ?? 0, 0, "no timer left after disconnect()");
  });
}
