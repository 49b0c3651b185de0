// Exactly-once delivery under injected faults: 10,000 emits with `retries` + `exactlyOnce` through a proxy
// that cuts the connection 20 times at random points of the stream reach the server's handler exactly once
// each, and every acknowledgement carries the handler's reply; with and without connection state recovery.
// Cuts are made from inside the handler, at random records, in four ways: before its reply (the reply is
// lost for sure), after it (it may or may not get out), before a reply given 300 ms later (the resend comes
// while the first call is still in progress) and on the next turn of the event loop.
// The baseline (retries alone) gets the same faults and shows the duplicates exactlyOnce removes: every cut
// made before the reply left costs one, so there are at least 10.

import { test } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "../src/index";
import { exactlyOnce } from "../src/server/index";
import { startProxy, type FaultProxy } from "./helpers/proxy";
import { startServer } from "./helpers/server";
import { waitFor } from "./helpers/wait";
import { prng } from "./helpers/prng";

const EMITS = 10_000;
const CUTS = 20;
const SEED = Number(process.env.FAULT_SEED ?? 0xe0e0);
const MODES = ["before-reply", "after-reply", "late-reply", "next-tick"] as const;
type Mode = (typeof MODES)[number];

/** Records at which to cut, one per stretch of the stream, each with its way of cutting. */
function cutPlan(random: () => number): Map<number, Mode> {
  const span = Math.floor((EMITS - 100) / CUTS);
  const plan = new Map<number, Mode>();
  for (let k = 0; k < CUTS; k++) plan.set(50 + k * span + Math.floor(random() * (span - 10)), MODES[k % MODES.length] as Mode);
  return plan;
}

/** Replies to `value`'s first call as `mode` says, cutting the connection on the way. */
function cutAround(proxy: FaultProxy, mode: Mode, reply: () => void): void {
  switch (mode) {
    case "before-reply":
      proxy.cut();
      reply();
      break;
    case "after-reply":
      reply();
      proxy.cut();
      break;
    case "late-reply":
      proxy.cut();
      setTimeout(reply, 300);
      break;
    case "next-tick":
      reply();
      setImmediate(() => proxy.cut());
      break;
  }
}

interface Run {
  /** Handler calls per value. */
  calls: Map<number, number>;
  connects: number;
  recovered: number;
  cuts: number;
}

async function stream(t: { after(fn: () => unknown): void }, withExactlyOnce: boolean, recovery: boolean): Promise<Run> {
  const server = await startServer(t, {
    transports: ["websocket"],
    ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } : {}),
  });
  // The middleware is there in the baseline too: a client without exactlyOnce passes through it untouched.
  server.io.use(exactlyOnce());
  const proxy = await startProxy(t, server.port);
  const plan = cutPlan(prng(SEED));
  const run: Run = { calls: new Map(), connects: 0, recovered: 0, cuts: 0 };
  server.io.on("connection", (socket) => {
    socket.on("record", (value: number, ack: (reply: number) => void) => {
      const calls = (run.calls.get(value) ?? 0) + 1;
      run.calls.set(value, calls);
      // Recovery restores a session from the offset of the last broadcast the client saw: keep some coming.
      if (recovery && value % 100 === 0 && calls === 1) server.io.emit("tick", value);
      const mode = plan.get(value);
      if (mode === undefined || calls > 1) {
        ack(value);
        return;
      }
      run.cuts++;
      cutAround(proxy, mode, () => ack(value));
    });
  });

  const socket: Socket = io(proxy.url, {
    forceNew: true,
    transports: ["websocket"],
    reconnectionDelay: 20,
    reconnectionDelayMax: 100,
    retries: 50,
    ackTimeout: 5_000,
    exactlyOnce: withExactlyOnce,
  });
  t.after(() => socket.disconnect());
  socket.on("connect", () => {
    run.connects++;
    if (socket.recovered) run.recovered++;
  });

  const outcomes = new Map<number, { err: unknown; reply: unknown; calls: number }>();
  for (let i = 0; i < EMITS; i++) {
    socket.emit("record", i, (err: unknown, reply: unknown) => {
      const seen = outcomes.get(i);
      if (seen) seen.calls++;
      else outcomes.set(i, { err, reply, calls: 1 });
    });
  }
  await waitFor(() => outcomes.size === EMITS, { timeoutMs: 50_000, what: `${EMITS} acknowledgements (${outcomes.size} so far)` });

  const failed = [...outcomes].filter(([i, o]) => o.err !== null || o.reply !== i || o.calls !== 1);
  assert.deepEqual(failed, [], "every acknowledgement succeeded once with the handler's reply");
  assert.equal(run.calls.size, EMITS, "no emit lost");
  assert.equal(run.cuts, CUTS, "every planned cut was made");
  assert.ok(run.connects >= CUTS + 1, `the client reconnected after every cut (connects: ${run.connects})`);
  return run;
}

const duplicates = (run: Run): number => [...run.calls.values()].reduce((sum, calls) => sum + calls - 1, 0);

for (const recovery of [false, true]) {
  const label = recovery ? "with connection state recovery" : "without connection state recovery";
  test(`exactlyOnce: ${EMITS} emits under ${CUTS} random cuts, ${label}: none lost, none handled twice`, { timeout: 90_000 }, async (t) => {
    const run = await stream(t, true, recovery);
    assert.equal(duplicates(run), 0, "no emit reached the handler twice");
    if (recovery) assert.ok(run.recovered > 0, "sessions were restored by connection state recovery");
    t.diagnostic(`seed ${SEED}: ${run.connects} connects, ${run.recovered} recovered`);
  });
}

test(`baseline: retries alone under the same ${CUTS} cuts reach the handler twice for some emits`, { timeout: 90_000 }, async (t) => {
  const run = await stream(t, false, false);
  const lostReplies = [...cutPlan(prng(SEED)).values()].filter((mode) => mode === "before-reply" || mode === "late-reply").length;
  // A reply cut off before it left is always followed by a resend the handler takes again.
  assert.ok(duplicates(run) >= lostReplies, `at least ${lostReplies} duplicates (got ${duplicates(run)})`);
  t.diagnostic(`seed ${SEED}: ${duplicates(run)} duplicate(s) among ${EMITS} emits`);
});
