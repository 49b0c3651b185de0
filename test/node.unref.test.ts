// Proves, in child processes, that a client never keeps Node alive when it should not: autoUnref lets an idle
// connected process exit, and socket.disconnect() releases everything (connected, in backoff, mid-handshake);
// and that without autoUnref a connected client does keep the process alive.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Readable, Writable } from "node:stream";
import { startServer } from "./helpers/server";
import { waitFor } from "./helpers/wait";
import { clients } from "./helpers/clients";

const fixture = fileURLToPath(new URL("./fixtures/unref-client.ts", import.meta.url));
/** Failure bound for a child that should exit: generous, the machine is shared and tsx must start first. */
const EXIT_BOUND_MS = 20_000;
/** How long an idle client must keep its process alive to count as "stays alive": an observation window. */
const ALIVE_WINDOW_MS = 1_000;

interface Child {
  process: ChildProcessByStdio<Writable, Readable, Readable>;
  lines: string[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
}

function runFixture(t: TestContext, args: string[]): Child {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, ...args], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let err = "";
  let done = false;
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  t.after(() => {
    if (!done) child.kill("SIGKILL");
  });
  return { process: child, lines, stderr: () => err, exited, hasExited: () => done };
}

async function waitLine(child: Child, line: string): Promise<void> {
  await waitFor(() => child.lines.includes(line) || child.hasExited(), {
    timeoutMs: EXIT_BOUND_MS,
    what: `"${line}" from the child (stdout so far: ${JSON.stringify(child.lines)})`,
  });
  assert.ok(child.lines.includes(line), `child exited before "${line}": ${child.stderr()}`);
}

async function assertExitsCleanly(child: Child): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the child process did not exit within ${EXIT_BOUND_MS} ms: something keeps it alive`)),
      EXIT_BOUND_MS,
    );
  });
  try {
    const { code, signal } = await Promise.race([child.exited, bound]);
    assert.equal(signal, null);
    assert.equal(code, 0, `exit code 0 (stderr: ${child.stderr()})`);
  } finally {
    clearTimeout(timer);
  }
}

for (const client of clients) {
  const name = client.name;
  const skip = client.skip;

  for (const transport of [undefined, "websocket", "polling"] as const) {
    const over = transport ?? "default transports";
    test(`${name}: autoUnref lets a connected idle client's process exit (${over})`, { skip }, async (t) => {
      // Short heartbeat so the server notices the dead process quickly whatever the transport.
      const server = await startServer(t, { pingInterval: 1000, pingTimeout: 1000 });
      const reasons: string[] = [];
      server.io.on("connection", (s) => s.on("disconnect", (reason: string) => reasons.push(reason)));
      const child = runFixture(t, [name, "idle-unref", server.url, ...(transport ? [transport] : [])]);
      await waitLine(child, "connected");
      await assertExitsCleanly(child);
      // The client was still connected when the process went away: it did not leave on purpose.
      await waitFor(() => reasons.length > 0, { timeoutMs: EXIT_BOUND_MS, what: "the server to see the client go" });
      assert.ok(!/namespace disconnect/.test(reasons[0]!), `left because the process exited, not "${reasons[0]}"`);
    });
  }

  test(`${name}: without autoUnref a connected idle client keeps the process alive`, { skip }, async (t) => {
    const server = await startServer(t);
    const child = runFixture(t, [name, "idle", server.url]);
    await waitLine(child, "connected");
    // A negative: the process must still be there after the window (an event loop with nothing left would
    // have let it exit long before).
    await new Promise((resolve) => setTimeout(resolve, ALIVE_WINDOW_MS));
    assert.equal(child.hasExited(), false, "still alive");
    child.process.kill("SIGTERM");
    const { signal } = await child.exited;
    assert.equal(signal, "SIGTERM", "it was alive until killed");
  });

  test(`${name}: socket.disconnect() while connected lets the process exit`, { skip }, async (t) => {
    const server = await startServer(t);
    const child = runFixture(t, [name, "disconnect", server.url]);
    await waitLine(child, "connected");
    await assertExitsCleanly(child);
  });

  test(`${name}: socket.disconnect() during reconnection backoff lets the process exit`, { skip }, async (t) => {
    const server = await startServer(t);
    const child = runFixture(t, [name, "disconnect-backoff", server.url]);
    await waitLine(child, "connected");
    await server.close();
    await waitLine(child, "in backoff");
    await assertExitsCleanly(child);
  });

  for (const transport of [undefined, "websocket", "polling"] as const) {
    const over = transport ?? "default transports";
    // socket.io-client cannot abort a polling handshake in flight: its polling transport only closes once
    // open, so the pending request keeps the process alive until the server answers.
    const officialCannot =
      name === "socket.io-client" && transport !== "websocket"
        ? "socket.io-client does not abort an in-flight polling handshake request on disconnect()"
        : false;
    test(
      `${name}: socket.disconnect() before the first connection completes lets the process exit (${over})`,
      { skip: skip || officialCannot },
      async (t) => {
        // The server holds every handshake request unanswered, so the client is stuck mid-handshake.
        const held: Array<(err: string | null | undefined, ok: boolean) => void> = [];
        const server = await startServer(t, { allowRequest: (_req, decide) => void held.push(decide) });
        try {
          const child = runFixture(t, [name, "disconnect-early", server.url, ...(transport ? [transport] : [])]);
          await waitLine(child, "started");
          await waitFor(() => held.length > 0, { timeoutMs: EXIT_BOUND_MS, what: "the handshake request to arrive" });
          child.process.stdin.end("disconnect\n");
          await waitLine(child, "disconnect called");
          await assertExitsCleanly(child);
          assert.ok(!child.lines.includes("connected (unexpected)"));
        } finally {
          for (const decide of held) decide("test over", false);
        }
      },
    );
  }
}
