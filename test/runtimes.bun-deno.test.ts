// siolink in Bun and in Deno (both from npm: the `bun` and `deno` devDependencies ship their binaries), against
// a real socket.io server run here in Node. test/fixtures/runtime-client.mjs runs in the other runtime on a built
// entry and reports each check as a JSON line. Entries: dist/node/index.mjs (what both resolve for
// `import "siolink"`: the "import" condition), dist/node/index.cjs (what `require("siolink")` loads) and
// dist/browser/index.mjs (what a CDN or a browser-targeted bundle serves: global WebSocket, fetch). Covered:
// WebSocket and polling, emit/ack both ways, binary both ways, a second namespace, the polling → WebSocket
// upgrade, reconnection after this test restarts its server on the same port, and the child exiting by itself
// (code 0) once its sockets are closed. Nothing is installed at test time; `npm test` builds dist/ first.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Server } from "socket.io";
import { startServer, type TestServer } from "./helpers/server";
import { waitFor } from "./helpers/wait";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = join(root, "test", "fixtures", "runtime-client.mjs");
const require = createRequire(import.meta.url);

/** Where each runtime's npm package put its executable (resolved, never downloaded). */
function binary(name: "bun" | "deno"): string {
  const pkgDir = dirname(require.resolve(`${name}/package.json`));
  const { bin } = require(`${name}/package.json`) as { bin: string | Record<string, string> };
  return join(pkgDir, typeof bin === "string" ? bin : bin[name]!);
}

const RUNTIMES = {
  bun: { command: () => binary("bun"), args: [] as string[] },
  deno: { command: () => binary("deno"), args: ["run", "-A", "--quiet"] },
} as const;

const ENTRIES = {
  node: join(root, "dist", "node", "index.mjs"),
  browser: join(root, "dist", "browser", "index.mjs"),
  // What `require("siolink")` loads (the fixture loads it with require).
  cjs: join(root, "dist", "node", "index.cjs"),
} as const;
/** Failure bound for "exits by itself": a leftover timer (the client's are 20 s) or socket would exceed it. */
const EXIT_BOUND_MS = 15_000;

/** The server side of every check in the fixture. */
function serve(io: Server): void {
  io.on("connection", (socket) => {
    socket.emit("push", { bin: Buffer.from([9, 8, 7]) });
    socket.on("whoami", (ack: (info: unknown) => void) => ack({ transport: socket.conn.transport.name }));
    socket.on("echo", (value: unknown, ack: (value: unknown) => void) => ack(value));
    socket.on("ask", (ack: (...values: unknown[]) => void) => ack("pong", 7));
    socket.on("reverse", (value: { label: string; data: Buffer }, ack: (value: unknown) => void) => {
      ack({ label: value.label, data: Buffer.from(value.data).reverse() });
    });
    socket.on("make-server-ask", async (value: number, ack: (value: unknown) => void) => {
      ack(await socket.timeout(5000).emitWithAck("server-asks", value));
    });
    socket.on("wait-upgrade", (ack: (name: string) => void) => {
      if (socket.conn.transport.name === "websocket") ack("websocket");
      else socket.conn.once("upgrade", () => ack(socket.conn.transport.name));
    });
  });
  io.of("/admin").on("connection", (socket) => {
    socket.on("where", (ack: (info: unknown) => void) => {
      const main = [...io.of("/").sockets.values()].some((other) => other.conn === socket.conn);
      ack({ nsp: socket.nsp.name, token: (socket.handshake.auth as { token?: string }).token, sameConnection: main });
    });
  });
}

interface Report {
  check?: string;
  ok?: boolean;
  detail?: unknown;
  await?: string;
  done?: boolean;
  runtime?: string;
}

const RUNS = [
  ["bun", "node"],
  ["deno", "node"],
  ["bun", "browser"],
  ["deno", "browser"],
  ["bun", "cjs"],
  ["deno", "cjs"],
] as const;

for (const [name, entryName] of RUNS) {
  const runtime = RUNTIMES[name];
  const ENTRY = ENTRIES[entryName];
  test(`${name}: the ${entryName} entry against a socket.io server`, { timeout: 90_000 }, async (t: TestContext) => {
    assert.ok(existsSync(ENTRY), `${ENTRY} is missing: run \`npx rollup -c\` first`);
    let server: TestServer = await startServer(t);
    serve(server.io);
    const port = server.port;

    const child = spawn(runtime.command(), [...runtime.args, fixture, pathToFileURL(ENTRY).href, server.url], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      // Deno: no update check or permission prompt; neither runtime reads the parent's proxy settings.
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    });
    const reports: Report[] = [];
    let stderr = "";
    let exitCode: number | null | undefined;
    let pending = "";
    let restarted: Promise<void> | undefined;
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        let report: Report;
        try {
          report = JSON.parse(line) as Report;
        } catch {
          report = { check: `stdout line is JSON: ${line}`, ok: false };
        }
        reports.push(report);
        if (report.await === "restart") {
          // Same port, new server: the client only learns of it by reconnecting.
          restarted = (async () => {
            await server.close();
            server = await startServer(t, { port });
            serve(server.io);
          })();
        }
      }
    });
    child.once("exit", (code) => (exitCode = code));
    t.after(() => {
      if (exitCode === undefined && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    });

    const describe = () => `reports: ${JSON.stringify(reports, null, 1)}\nstderr: ${stderr}`;
    await waitFor(() => reports.some((r) => r.done) || exitCode !== undefined, { timeoutMs: 60_000, what: `the ${name} client to finish\n${describe()}` });
    await restarted;
    t.diagnostic(String(reports.find((r) => r.runtime)?.runtime));
    if (stderr.trim() !== "") t.diagnostic(`stderr: ${stderr.trim()}`);

    const expected = [
      ...["websocket", "polling"].flatMap((transport) => [
        `${transport}: connect`,
        `${transport}: server sees the transport`,
        `${transport}: emit/ack`,
        `${transport}: ack with several values`,
        `${transport}: binary client → server → client`,
        `${transport}: binary server → client`,
        `${transport}: namespace`,
        `${transport}: server → client ack`,
        `${transport}: disconnect`,
      ]),
      "default transports: polling upgraded to websocket",
      "server restart: disconnect seen",
      "server restart: reconnected",
      "server restart: emit/ack after reconnect",
    ];
    const failed = reports.filter((r) => r.check !== undefined && !r.ok);
    assert.deepEqual(failed, [], `failed checks in ${name}\n${describe()}`);
    const seen = new Set(reports.filter((r) => r.ok).map((r) => r.check));
    assert.deepEqual(expected.filter((check) => !seen.has(check)), [], `checks never reported by ${name}\n${describe()}`);

    // Closed sockets must leave nothing behind: the runtime exits by itself, successfully.
    await waitFor(() => exitCode !== undefined, { timeoutMs: EXIT_BOUND_MS, what: `the ${name} process to exit by itself\n${describe()}` });
    assert.equal(exitCode, 0, describe());
  });
}
