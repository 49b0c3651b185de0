// The heartbeat (driven by hand through a stand-in transport, then against fake servers): pings answered at once, silence detected as "ping timeout", any packet counting as a sign of
// life, the wall-clock check for frozen timers, and autoUnref letting Node exit with a session still open.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { BaseEngineSession, EngineSession } from "../src/engine/session";
import type { EngineCloseReason, EnginePacket } from "../src/engine/types";
import type { TransportConstructor } from "../src/transports/index";
import type { TransportSink } from "../src/transports/transport";
import type { TimerHandle, Timers } from "../src/internal/timers";
import { openPacket, startFakeEngine, sessionOnce } from "./helpers/fake-engine";
import { startServer } from "./helpers/server";
import { once } from "./helpers/wait";

/** Timers driven by hand, with a clock Date.now() can be pointed at. */
class ManualTimers implements Timers {
  now = 1_000_000;
  #next = 1;
  #tasks = new Map<number, { at: number; fn: () => void }>();

  get pending(): number {
    return this.#tasks.size;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#tasks.set(id, { at: this.now + ms, fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.#tasks.delete(handle as unknown as number);
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.#tasks].filter(([, task]) => task.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#tasks.delete(due[0]);
      this.now = Math.max(this.now, due[1].at);
      due[1].fn();
    }
    this.now = end;
  }
}

/** A transport the test drives by hand: it opens at once, takes every send and reports through its sink. */
class HandTransport {
  readonly name = "websocket";
  sink: TransportSink | null = null;
  sid: string | null = null;
  state = "idle";
  readonly sent: EnginePacket[] = [];
  get writable(): boolean {
    return this.state === "open";
  }
  get pipelinable(): boolean {
    return false;
  }
  open(): void {
    this.state = "open";
  }
  send(packets: EnginePacket[]): void {
    this.sent.push(...packets);
  }
  close(): void {
    this.state = "closed";
  }
}

/** A session over a HandTransport, its timers and Date.now() driven by hand, opened with this heartbeat. */
function handSession(t: TestContext, pingInterval: number, pingTimeout: number) {
  const timers = new ManualTimers();
  t.mock.method(Date, "now", () => timers.now);
  t.mock.method(globalThis, "setTimeout", ((fn: () => void, ms: number) => timers.setTimeout(fn, ms)) as never);
  t.mock.method(globalThis, "clearTimeout", ((handle: TimerHandle | undefined) => timers.clearTimeout(handle)) as never);
  let transport!: HandTransport;
  const kit = {
    entry: "test",
    websocket: class extends HandTransport {
      constructor() {
        super();
        transport = this;
      }
    } as unknown as TransportConstructor,
  };
  const session = new BaseEngineSession("http://127.0.0.1:1", { transports: ["websocket"] }, kit);
  const closes: EngineCloseReason[] = [];
  session.on("close", (reason) => closes.push(reason));
  assert.equal(session.hasPingExpired(), false, "no deadline before the handshake");
  session.open();
  const receive = (packet: EnginePacket): void => transport.sink!.onTransportPacket(packet);
  receive({ type: "open", data: JSON.stringify({ sid: "s", upgrades: [], pingInterval, pingTimeout, maxPayload: 1000 }) });
  assert.equal(session.readyState, "open");
  return { timers, session, closes, receive, transport: () => transport };
}

test("the heartbeat times out pingInterval + pingTimeout after the last ping; each ping restarts it and is answered", (t) => {
  const { timers, session, closes, receive, transport } = handSession(t, 100, 50);
  timers.advance(140);
  receive({ type: "ping" });
  timers.advance(140);
  receive({ type: "ping" });
  assert.deepEqual(transport().sent.map((packet) => packet.type), ["pong", "pong"]);
  timers.advance(149);
  assert.deepEqual(closes, []);
  assert.equal(session.hasPingExpired(), false);
  timers.advance(2);
  assert.deepEqual(closes, ["ping timeout"]);
  assert.equal(transport().state, "closed");
  assert.equal(timers.pending, 0, "no timer left behind");
});

test("any packet pushes the heartbeat deadline without arming a timer per packet", (t) => {
  const { timers, closes, receive } = handSession(t, 100, 50);
  for (let i = 0; i < 20; i++) {
    timers.advance(100);
    receive({ type: "message", data: "x" });
    assert.ok(timers.pending <= 1, "one timer at most");
  }
  assert.deepEqual(closes, []);
  timers.advance(150);
  assert.deepEqual(closes, ["ping timeout"]);
});

test("the heartbeat deadline follows the wall clock even when its timer never fires; close() clears it", (t) => {
  const { timers, session, closes } = handSession(t, 1000, 500);
  timers.now += 1501; // the clock moves, the timer is frozen
  assert.equal(session.hasPingExpired(), true);
  assert.throws(() => session.write("late"), { code: "ERR_INVALID_STATE" });
  assert.deepEqual(closes, ["ping timeout"]);
  assert.equal(session.hasPingExpired(), false, "a closed session has no deadline");
  assert.equal(timers.pending, 0);
});

test("every ping from the server is answered with a pong at once", async (t) => {
  const pongs: string[] = [];
  const fake = await startFakeEngine(t, {
    onWebSocket(ws) {
      ws.send(openPacket({ pingInterval: 1000, pingTimeout: 1000 }));
      let sent = 0;
      ws.on("message", (data) => {
        pongs.push(String(data));
        if (++sent < 5) ws.send("2");
      });
      ws.send("2");
    },
  });
  const session = new EngineSession(fake.url, { transports: ["websocket"] });
  t.after(() => session.close());
  let pings = 0;
  const fifth = new Promise<void>((resolve) => session.on("ping", () => ++pings === 5 && resolve()));
  session.open();
  await fifth;
  await new Promise<void>((resolve) => (pongs.length >= 5 ? resolve() : fake.sockets[0].on("message", () => pongs.length >= 5 && resolve())));
  assert.deepEqual(pongs, ["3", "3", "3", "3", "3"]);
});

test("a server that goes silent after the handshake is closed with \"ping timeout\"", async (t) => {
  const fake = await startFakeEngine(t, { onWebSocket: (ws) => ws.send(openPacket({ pingInterval: 60, pingTimeout: 60 })) });
  const session = new EngineSession(fake.url, { transports: ["websocket"] });
  let closes = 0;
  session.on("close", () => closes++);
  const closed = sessionOnce(session, "close");
  session.open();
  const [reason, details] = await closed;
  assert.equal(reason, "ping timeout");
  assert.equal(details, undefined);
  assert.equal(closes, 1);
  // The fake server sees the WebSocket closed by the client.
  const ws = fake.sockets[0];
  if (ws.readyState !== ws.CLOSED) await once(ws, "close");
});

test("messages without pings keep the session alive; silence then times out", async (t) => {
  let stop = (): void => {};
  const fake = await startFakeEngine(t, {
    onWebSocket(ws) {
      ws.send(openPacket({ pingInterval: 50, pingTimeout: 50 }));
      const timer = setInterval(() => ws.send("4tick"), 20);
      stop = () => clearInterval(timer);
      ws.on("close", stop);
    },
  });
  t.after(() => stop());
  const session = new EngineSession(fake.url, { transports: ["websocket"] });
  let closedEarly = false;
  session.on("close", () => (closedEarly = true));
  let ticks = 0;
  // 40 ticks at 20 ms span far more than pingInterval + pingTimeout (100 ms).
  const enough = new Promise<void>((resolve) => session.on("message", () => ++ticks === 40 && resolve()));
  session.open();
  await enough;
  assert.equal(closedEarly, false);
  const closed = sessionOnce(session, "close");
  stop();
  const [reason] = await closed;
  assert.equal(reason, "ping timeout");
});

test("autoUnref lets Node exit while a session is still open", async (t) => {
  const srv = await startServer(t, { pingInterval: 200, pingTimeout: 200 });
  const dir = await mkdtemp(join(tmpdir(), "siolink-unref-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const session = fileURLToPath(new URL("../src/engine/session.ts", import.meta.url));
  const script = join(dir, "child.mts");
  await writeFile(
    script,
    `import { EngineSession } from ${JSON.stringify(session)};
const transports = JSON.parse(process.argv[2]);
const s = new EngineSession(${JSON.stringify(srv.url)}, { path: "/socket.io", transports, autoUnref: true });
// Keep the process up until the handshake, so the exit proves the open session holds nothing.
const keepAlive = setInterval(() => {}, 1000);
s.on("open", () => {
  console.log("open " + s.transport.name);
  clearInterval(keepAlive);
});
s.on("ping", () => console.log("ping"));
s.on("close", (reason) => console.log("close " + reason));
s.open();
`,
  );
  for (const transports of [["websocket"], ["polling"]]) {
    const child = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(transports)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const killer = setTimeout(() => child.kill(), 30_000);
    const [code] = await once<[number | null]>(child, "exit", { timeoutMs: 40_000 });
    clearTimeout(killer);
    assert.equal(code, 0, `${transports[0]}: the child exited by itself (output: ${out})`);
    assert.match(out, new RegExp(`^open ${transports[0]}$`, "m"));
    assert.doesNotMatch(out, /close/, "it exited with the session still open");
  }
});
