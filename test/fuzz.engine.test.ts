// Fuzzes the whole receive path (Engine.IO decoding in the transports, the session's packet handling, the
// Manager's decoder and the Socket's dispatch) through an in-memory Platform: a fake WebSocket fed random and
// mutated frames, and a fake HTTP layer answering polls with random and mutated bodies, decoded as
// src/transports/polling.ts decodes them (src/transports/wire.ts). Proves that nothing thrown ever
// escapes to the platform's callbacks or the process, that the only errors reported are siolink's typed
// ones, that the client ends either still connected and usable or closed with a known reason, that
// Object.prototype is untouched, and that no timer outlives the runs.
// Bounded: fixed run counts; the seed is printed, and FUZZ_SEED=<n> replays a run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { Manager, type Socket } from "../src/index";
import { isSioError } from "../src/errors";
import type { HttpCallback, HttpRequestInit, Platform, WebSocketLike } from "../src/platform/platform";

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const HANDSHAKE = `0${JSON.stringify({ sid: "fuzz", upgrades: [], pingInterval: 25_000, pingTimeout: 20_000, maxPayload: 1_000_000 })}`;
/**
 * How the connection may end: the session failed, or (forced close) the Manager closed it because its only
 * socket left: the server sent DISCONNECT or CONNECT_ERROR for it.
 */
const CLOSE_REASONS = new Set(["parse error", "transport close", "transport error", "forced close"]);

const corpus = (JSON.parse(readFileSync(new URL("./fuzz-corpus/engineio-payloads.json", import.meta.url), "utf8")) as { seeds: string[] }).seeds;
const sioCorpus = (
  JSON.parse(readFileSync(new URL("./fuzz-corpus/socketio-packets.json", import.meta.url), "utf8")) as { seeds: Array<{ text: string }> }
).seeds.map((seed) => `4${seed.text}`);

class FakeWebSocket implements WebSocketLike {
  binaryType = "nodebuffer";
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  readonly sent: unknown[] = [];

  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    this.sent.push(data);
  }

  close(): void {
    this.readyState = 3;
  }
}

interface PendingRequest {
  init: HttpRequestInit;
  callback: HttpCallback;
  done: boolean;
}

/** A Platform whose network is this object: the test plays the server by hand, synchronously. */
class FakeNetwork {
  readonly sockets: FakeWebSocket[] = [];
  readonly requests: PendingRequest[] = [];
  readonly platform: Platform = {
    name: "node",
    defaultBinaryType: "nodebuffer",
    defaultOrigin: () => undefined,
    hasWebSocket: () => true,
    createWebSocket: () => {
      const socket = new FakeWebSocket();
      this.sockets.push(socket);
      return socket;
    },
    request: (init, callback) => {
      const pending: PendingRequest = { init, callback, done: false };
      this.requests.push(pending);
      return () => {
        pending.done = true;
      };
    },
    nextTick: (fn) => process.nextTick(fn),
    onLifecycle: () => () => {},
    unref: () => {},
  };

  /** Answers every pending POST with "ok" and the pending poll (if any) with `body`; false when no poll waits. */
  answerPoll(body: string): boolean {
    for (const r of this.requests) {
      if (!r.done && r.init.method === "POST") this.#answer(r, "ok");
    }
    const poll = this.requests.find((r) => !r.done && r.init.method === "GET");
    if (poll === undefined) return false;
    this.#answer(poll, body);
    return true;
  }

  /**
   * Answers everything still pending (POSTs "ok", polls with a noop) so a closing session can finish its
   * flush: a real server answers in milliseconds; here nothing happens unless the test does it.
   */
  settle(): void {
    for (let round = 0; round < 10; round++) {
      const pending = this.requests.filter((r) => !r.done);
      if (pending.length === 0) return;
      for (const r of pending) this.#answer(r, r.init.method === "POST" ? "ok" : "6");
    }
  }

  #answer(request: PendingRequest, body: string): void {
    request.done = true;
    request.callback(null, { status: 200, body });
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Rig {
  network: FakeNetwork;
  manager: Manager;
  socket: Socket;
  events: unknown[][];
  errors: unknown[];
  closes: string[];
}

/** A client connected to namespace "/" through the fake network. */
async function connect(transport: "websocket" | "polling"): Promise<Rig> {
  const network = new FakeNetwork();
  const manager = new Manager("http://fuzz.invalid", { platform: network.platform, transports: [transport], reconnection: false });
  const socket = manager.socket("/");
  const rig: Rig = { network, manager, socket, events: [], errors: [], closes: [] };
  manager.on("error", (error) => rig.errors.push(error));
  manager.on("close", (reason) => rig.closes.push(reason));
  socket.on("connect_error", (error) => rig.errors.push(error));
  socket.onAny((...args: unknown[]) => rig.events.push(args));
  if (transport === "websocket") {
    const ws = network.sockets[0] as FakeWebSocket;
    ws.readyState = 1;
    ws.onopen?.({});
    ws.onmessage?.({ data: HANDSHAKE });
    ws.onmessage?.({ data: '40{"sid":"nsp"}' });
  } else {
    network.answerPoll(HANDSHAKE);
    await tick();
    network.answerPoll('40{"sid":"nsp"}');
  }
  await tick();
  assert.ok(socket.connected, "the rig connects");
  return rig;
}

/** Delivers one server frame (WebSocket) or body (polling); anything thrown back at the platform is a bug. */
function deliver(rig: Rig, transport: "websocket" | "polling", data: string | Uint8Array): void {
  if (transport === "websocket") {
    const ws = rig.network.sockets[rig.network.sockets.length - 1] as FakeWebSocket;
    ws.onmessage?.({ data: typeof data === "string" ? data : Buffer.from(data) });
  } else {
    rig.network.answerPoll(typeof data === "string" ? data : `b${Buffer.from(data).toString("base64")}`);
  }
}

async function check(rig: Rig, transport: "websocket" | "polling", uncaught: unknown[]): Promise<void> {
  await tick();
  assert.deepEqual(uncaught, [], "nothing escaped to the process");
  for (const error of rig.errors) assert.ok(isSioError(error), `a typed error: ${String(error)}`);
  for (const reason of rig.closes) assert.ok(CLOSE_REASONS.has(reason), `close reason ${reason}`);
  assert.ok(!("polluted" in {}) && Object.getPrototypeOf({}) === Object.prototype, "Object.prototype untouched");
  if (rig.socket.connected) {
    // Still usable: a valid event still gets through.
    const before = rig.events.length;
    deliver(rig, transport, '42["probe"]');
    await tick();
    if (rig.socket.connected) assert.deepEqual(rig.events.slice(before), [["probe"]], "a valid event still arrives");
  } else {
    assert.equal(rig.closes.length, 1, "closed once");
  }
}

async function release(rig: Rig): Promise<void> {
  rig.socket.disconnect();
  rig.manager.close();
  rig.network.settle();
  await tick();
  assert.equal(rig.manager.engine.readyState, "closed", "the session finished closing");
}

const frame = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: "binary" }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: "binary" }).map((s) => `4${s}`) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...corpus, ...sioCorpus), fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 3, unit: "binary" })), { maxLength: 3 }))
      .map(([seed, edits]) =>
        edits.reduce((text, [at, insert]) => {
          const i = at % (text.length + 1);
          return at % 2 === 0 ? text.slice(0, i) + insert + text.slice(i) : text.slice(0, i) + text.slice(i + insert.length + 1);
        }, seed),
      ),
  },
);

for (const transport of ["websocket", "polling"] as const) {
  test(`fuzz engine (${transport}): random and mutated frames never escape, the client ends usable or closed`, async (t) => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => {
      uncaught.push(error);
    };
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
    t.after(() => {
      process.off("uncaughtException", onUncaught);
      process.off("unhandledRejection", onUncaught);
    });
    const timersBefore = process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
    const runs = transport === "websocket" ? 600 : 400;
    t.diagnostic(`seed ${SEED}, ${runs} runs (replay with FUZZ_SEED=${SEED})`);
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
        const rig = await connect(transport);
        try {
          for (const data of frames) {
            if (rig.socket.io.engine.readyState !== "open") break;
            deliver(rig, transport, data);
          }
          await check(rig, transport, uncaught);
        } finally {
          await release(rig);
        }
      }),
      { numRuns: runs, seed: SEED },
    );
    await tick();
    const timersAfter = process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
    assert.equal(timersAfter, timersBefore, "no timer outlives the runs");
  });
}
