// Proves that misuse of the public API fails loudly and at once, and harms nothing: reserved event names,
// arguments that cannot be serialised (a function among the arguments, circular data, BigInt), invalid
// options and invalid URLs each throw a SioError with code ERR_INVALID_ARG synchronously (emitWithAck
// rejects); a refused emit leaves no acknowledgement behind, no packet in the send buffer, no timer or socket
// open, and the valid emits around it reach the server in order, connected, buffered or with `retries`.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { io, SioError, type IoOptions, type Socket } from "../src/index";
import { startServer, type TestServer } from "./helpers/server";
import { once, waitFor } from "./helpers/wait";

const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

function isInvalidArg(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SioError, `a SioError, got ${String(error)}`);
    assert.equal(error.code, "ERR_INVALID_ARG");
    assert.match(error.message, pattern);
    return true;
  };
}

async function recordingServer(t: TestContext): Promise<{ server: TestServer; received: unknown[] }> {
  const server = await startServer(t);
  const received: unknown[] = [];
  server.io.on("connection", (socket) => {
    socket.on("record", (value: unknown, ack?: unknown) => {
      received.push(value);
      if (typeof ack === "function") ack(value);
    });
  });
  return { server, received };
}

function client(t: TestContext, url: string, opts: IoOptions = {}): Socket {
  const socket = io(url, { forceNew: true, ...opts });
  t.after(() => socket.disconnect());
  return socket;
}

function circular(): unknown {
  const value: Record<string, unknown> = { name: "loop" };
  value.self = value;
  return value;
}

/** Bad argument lists, each with what its error must say. */
const badArguments: Array<{ name: string; args: unknown[]; error: RegExp }> = [
  { name: "a function in the middle", args: [1, () => {}, 2], error: /argument 2 is a function/ },
  { name: "a function before the callback", args: [() => {}, () => {}], error: /argument 1 is a function/ },
  { name: "a circular object", args: [circular()], error: /circular|nested deeper|serialis/ },
  { name: "a circular array", args: [(() => { const a: unknown[] = []; a.push(a); return a; })()], error: /circular|nested deeper|serialis/ },
  { name: "a BigInt", args: [10n], error: /serialis.*BigInt/ },
  { name: "a BigInt deep inside", args: [{ a: [{ b: 1n }] }], error: /serialis.*BigInt/ },
];

interface OptionReport {
  name: string;
  threw: boolean;
  sioError?: boolean;
  code?: string;
  message?: string;
  leaked: number;
}

/**
 * Runs every invalid option set in a child process, which exits by itself once done: a client that a
 * refused io() call left connecting would otherwise keep this test process alive.
 */
function runOptionCases(url: string): Promise<OptionReport[]> {
  const fixture = fileURLToPath(new URL("./fixtures/hardening-misuse-options.ts", import.meta.url));
  const cases = JSON.stringify(badOptions.map(({ name, options }) => ({ name, options })));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, url, cases], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, 25_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`the option child exited with ${String(code)}: ${err.slice(-1000)}`));
      else resolve(out.trim().split("\n").map((line) => JSON.parse(line) as OptionReport));
    });
  });
}

/** Handles Node counts for anything a client could leave open: timers and sockets. */
function openHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout" || name === "TCPSocketWrap").length;
}

test("reserved event names: emit throws ERR_INVALID_ARG at once, emitWithAck rejects, valid emits around them arrive in order", { timeout: 20_000 }, async (t) => {
  const { server, received } = await recordingServer(t);
  const socket = client(t, server.url);
  await once(socket, "connect");
  let n = 0;
  for (const name of RESERVED) {
    socket.emit("record", n++);
    assert.throws(() => socket.emit(name as "record"), isInvalidArg(new RegExp(`"${name}" is a reserved event name`)));
    assert.throws(() => socket.timeout(1_000).emit(name as "record", () => {}), isInvalidArg(/reserved/));
    assert.throws(() => socket.volatile.emit(name as "record"), isInvalidArg(/reserved/));
    await assert.rejects(socket.emitWithAck(name as "record"), isInvalidArg(/reserved/));
  }
  socket.emit("record", n++);
  await waitFor(() => received.length === n, { what: `${n} records` });
  assert.deepEqual(received, Array.from({ length: n }, (_, i) => i));
  assert.equal(socket.connected, true);
});

for (const mode of ["connected", "buffered while disconnected", "with retries"] as const) {
  test(`unserialisable arguments (${mode}): emit throws ERR_INVALID_ARG, the valid emits around them arrive in order`, { timeout: 20_000 }, async (t) => {
    const { server, received } = await recordingServer(t);
    const socket = client(t, server.url, {
      autoConnect: mode !== "buffered while disconnected",
      ...(mode === "with retries" ? { retries: 2, ackTimeout: 5_000 } : {}),
    });
    if (mode !== "buffered while disconnected") await once(socket, "connect");

    const acks: unknown[] = [];
    let n = 0;
    for (const bad of badArguments) {
      socket.emit("record", n++, (...reply: unknown[]) => acks.push(reply));
      assert.throws(
        () => socket.emit("record", ...(bad.args as [unknown]), () => assert.fail(`the callback of a refused emit (${bad.name}) was called`)),
        isInvalidArg(bad.error),
        bad.name,
      );
      assert.throws(() => socket.emit("record", ...(bad.args as [unknown])), isInvalidArg(bad.error), `${bad.name}, without callback`);
      await assert.rejects(socket.timeout(1_000).emitWithAck("record", ...(bad.args as [unknown])), isInvalidArg(bad.error));
    }
    socket.emit("record", n++, (...reply: unknown[]) => acks.push(reply));
    if (mode === "buffered while disconnected") {
      assert.equal(socket.sendBuffer.length, n, "only the valid emits were buffered");
      socket.connect();
    }
    await waitFor(() => acks.length === n, { what: `${n} acknowledgements (${acks.length} so far)` });
    assert.deepEqual(received, Array.from({ length: n }, (_, i) => i));
    const expectedAcks = Array.from({ length: n }, (_, i) => (mode === "with retries" ? [null, i] : [i]));
    assert.deepEqual(acks, expectedAcks);
    assert.equal(socket.sendBuffer.length, 0);
  });
}

test("an acknowledgement reply with a function among its arguments throws at the caller; a valid reply still goes out", { timeout: 20_000 }, async (t) => {
  const server = await startServer(t);
  const socket = client(t, server.url);
  const outcome = new Promise<unknown>((resolve) => {
    socket.on("question", (reply: (...args: unknown[]) => void) => {
      try {
        reply(() => {});
        resolve(new Error("no error thrown"));
      } catch (error) {
        resolve(error);
        reply("fine");
      }
    });
  });
  const [serverSocket] = (await once(server.io, "connection")) as [import("socket.io").Socket];
  await once(socket, "connect");
  const answer = serverSocket.timeout(5_000).emitWithAck("question");
  isInvalidArg(/argument 1 is a function/)(await outcome);
  assert.equal(await answer, "fine");
});

const badOptions: Array<{ name: string; options: Record<string, unknown>; error: RegExp }> = [
  { name: "a negative reconnectionDelay", options: { reconnectionDelay: -1 }, error: /reconnectionDelay/ },
  { name: "a negative reconnectionDelayMax", options: { reconnectionDelayMax: -5 }, error: /reconnectionDelayMax/ },
  { name: "a negative reconnectionAttempts", options: { reconnectionAttempts: -1 }, error: /reconnectionAttempts/ },
  { name: "NaN randomizationFactor", options: { randomizationFactor: Number.NaN }, error: /randomizationFactor/ },
  { name: "timeout as a string", options: { timeout: "100" }, error: /timeout/ },
  { name: "a negative timeout", options: { timeout: -1 }, error: /timeout/ },
  { name: "an unknown transport", options: { transports: ["carrier-pigeon"] }, error: /unknown transport "carrier-pigeon"/ },
  { name: "no transport at all", options: { transports: [] }, error: /transports/ },
  { name: "maxReceiveSize zero", options: { maxReceiveSize: 0 }, error: /maxReceiveSize/ },
  { name: "a negative fallbackTimeout", options: { fallbackTimeout: -1 }, error: /fallbackTimeout/ },
  { name: "a negative ackTimeout", options: { ackTimeout: -1 }, error: /ackTimeout/ },
  { name: "fractional retries", options: { retries: 1.5 }, error: /retries/ },
  { name: "a parser without Encoder", options: { parser: {} }, error: /parser/ },
];

test("invalid options: io() throws ERR_INVALID_ARG at once and opens nothing (in a child process)", { timeout: 30_000 }, async (t) => {
  const { server, received } = await recordingServer(t);
  const reports = await runOptionCases(server.url);
  // Every case is judged before failing, so one run lists every option siolink mishandles.
  const problems: string[] = [];
  for (const { name, error } of badOptions) {
    const report = reports.find((r) => r.name === name);
    if (report === undefined) problems.push(`${name}: no report`);
    else if (!report.threw) problems.push(`${name}: io() did not throw`);
    else if (!report.sioError || report.code !== "ERR_INVALID_ARG") problems.push(`${name}: threw ${String(report.code)} ${String(report.message)}`);
    else if (!error.test(String(report.message))) problems.push(`${name}: message ${JSON.stringify(report.message)} does not match ${String(error)}`);
    if (report !== undefined && report.leaked !== 0) problems.push(`${name}: left ${report.leaked} timer(s)/socket(s) open`);
  }
  assert.deepEqual(problems, []);
  // The same server keeps working for a valid client.
  const socket = client(t, server.url);
  await once(socket, "connect");
  assert.equal(await socket.timeout(5_000).emitWithAck("record", "ok"), "ok");
  assert.deepEqual(received, ["ok"]);
});

test("invalid timeout() values throw ERR_INVALID_ARG and leave the next emit untouched", { timeout: 20_000 }, async (t) => {
  const { server, received } = await recordingServer(t);
  const socket = client(t, server.url);
  await once(socket, "connect");
  assert.throws(() => socket.timeout("soon" as unknown as number), isInvalidArg(/timeout/));
  assert.throws(() => socket.timeout(-1), isInvalidArg(/timeout/));
  // No flag leaked from the refused calls: a plain callback stays a plain callback (no error-first).
  const reply = await new Promise<unknown[]>((resolve) => socket.emit("record", "plain", (...args: unknown[]) => resolve(args)));
  assert.deepEqual(reply, ["plain"]);
  assert.deepEqual(received, ["plain"]);
});

for (const url of ["http://", "not a url at all", "ftp://example.com", "http://[::1", "http://[bad", "http://localhost:99999"]) {
  test(`invalid URL ${JSON.stringify(url)}: io() returns; connect_error gives ERR_INVALID_ARG once, no retry, nothing opened`, async () => {
    const before = openHandles();
    const socket = io(url, { forceNew: true, reconnectionDelay: 1 });
    // Reported as socket.io-client reports a bad address: through connect_error, after io() returned.
    const [error] = await once<[Error]>(socket, "connect_error");
    assert.ok(isInvalidArg(/URL|url|scheme/)(error), String(error));
    assert.ok(error.message.includes(url), "the message names the URL");
    assert.equal(socket.io.state, "closed", "a malformed URL is not retried");
    assert.equal(socket.status, "disconnected");
    assert.ok(openHandles() <= before, "no timer or socket left behind");
    socket.disconnect();
  });
}

test("a URL that is not a string is a programming error: io() throws ERR_INVALID_ARG at once", () => {
  assert.throws(() => io(42 as unknown as string, { forceNew: true }), isInvalidArg(/URL|url/));
});
