// Proves that socket.disconnect() lets a Node process exit promptly, in a child process, in the three
// situations where a timer or a socket could be left behind: connected, waiting in reconnection backoff
// after the server was SIGKILLed, and before the first connection completes (the handshake held by a
// blackholed proxy). The client uses 60 s delays and timeouts, so a leftover would keep it alive far past
// the failure bound.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startChildServer } from "./helpers/child-server";
import { startProxy } from "./helpers/proxy";
import { waitFor } from "./helpers/wait";

const fixture = fileURLToPath(new URL("./fixtures/hardening-exit-client.ts", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));
/** Failure bound for "exits promptly": far below the client's 60 s timers, generous for a loaded machine. */
const EXIT_BOUND_MS = 15_000;

interface ClientProcess {
  lines: string[];
  hasExited(): boolean;
  exitCode(): number | null;
  disconnect(): void;
}

function runClient(t: TestContext, url: string, transport: "websocket" | "polling"): ClientProcess {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, url, transport], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let exited = false;
  let code: number | null = null;
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr.resume();
  child.once("exit", (exitCode) => {
    exited = true;
    code = exitCode;
  });
  t.after(() => {
    if (!exited && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  });
  return {
    lines,
    hasExited: () => exited,
    exitCode: () => code,
    disconnect: () => child.stdin.write("disconnect\n"),
  };
}

async function line(client: ClientProcess, wanted: string): Promise<void> {
  await waitFor(() => client.lines.includes(wanted) || client.hasExited(), {
    timeoutMs: 30_000,
    what: `"${wanted}" from the client (so far: ${JSON.stringify(client.lines)})`,
  });
  assert.ok(client.lines.includes(wanted), `the client printed "${wanted}" before exiting (lines: ${JSON.stringify(client.lines)})`);
}

async function exitsAfterDisconnect(client: ClientProcess): Promise<void> {
  client.disconnect();
  await line(client, "disconnect called");
  await waitFor(() => client.hasExited(), { timeoutMs: EXIT_BOUND_MS, what: "the client process to exit by itself" });
  assert.equal(client.exitCode(), 0);
}

for (const transport of ["websocket", "polling"] as const) {
  test(`disconnect() while connected (${transport}): the process exits`, { timeout: 60_000 }, async (t) => {
    const server = await startChildServer(t);
    const client = runClient(t, server.url, transport);
    await line(client, "connected");
    await exitsAfterDisconnect(client);
  });

  test(`disconnect() before the first connection completes (${transport}, handshake held): the process exits`, { timeout: 60_000 }, async (t) => {
    const server = await startChildServer(t);
    const proxy = await startProxy(t, server.port);
    proxy.blackhole();
    const client = runClient(t, proxy.url, transport);
    await line(client, "started");
    await waitFor(() => proxy.accepted >= 1, { timeoutMs: 30_000, what: "the client's connection to reach the proxy" });
    await exitsAfterDisconnect(client);
    assert.ok(!client.lines.includes("connected"), "it never connected");
  });
}

test("disconnect() during reconnection backoff (server SIGKILLed): the process exits", { timeout: 60_000 }, async (t) => {
  const server = await startChildServer(t);
  const client = runClient(t, server.url, "websocket");
  await line(client, "connected");
  await server.kill();
  await line(client, "backoff true");
  await exitsAfterDisconnect(client);
});
