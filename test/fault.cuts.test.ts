// Proves at-least-once delivery with `retries` + `ackTimeout` while the network is cut again and again: a
// stream of 1,000 emits through a proxy that destroys every connection at random points of the stream
// loses none, every acknowledgement succeeds, and the server sees them in order of first arrival.
// Duplicates are allowed by design (a cut can eat an acknowledgement); their count is reported.

import { test } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "../src/index";
import { startChildServer } from "./helpers/child-server";
import { startProxy } from "./helpers/proxy";
import { waitFor } from "./helpers/wait";
import { prng } from "./helpers/prng";

const EMITS = 1_000;
const CUTS = 8;
const SEED = Number(process.env.FAULT_SEED ?? 0x5eed);

/** Record counts at which to cut: spread over the stream, at least 40 apart so one emit is not cut forever. */
function cutPoints(random: () => number): number[] {
  const span = Math.floor((EMITS - 100) / CUTS);
  return Array.from({ length: CUTS }, (_, k) => 50 + k * span + Math.floor(random() * (span - 40)));
}

for (const transport of ["websocket", "polling"] as const) {
  test(`retries + ackTimeout under ${CUTS} random cuts (${transport}): ${EMITS} emits, none lost`, { timeout: 60_000 }, async (t) => {
    const server = await startChildServer(t, { transports: [transport] });
    const proxy = await startProxy(t, server.port);
    const socket: Socket = io(proxy.url, {
      forceNew: true,
      transports: [transport],
      reconnectionDelay: 20,
      reconnectionDelayMax: 100,
      retries: 20,
      ackTimeout: 3_000,
    });
    t.after(() => socket.disconnect());
    let connects = 0;
    socket.on("connect", () => connects++);

    const outcomes = new Map<number, { err: unknown; reply: unknown; calls: number }>();
    for (let i = 0; i < EMITS; i++) {
      socket.emit("record", i, (err: unknown, reply: unknown) => {
        const seen = outcomes.get(i);
        if (seen) seen.calls++;
        else outcomes.set(i, { err, reply, calls: 1 });
      });
    }

    const points = cutPoints(prng(SEED));
    for (const point of points) {
      await waitFor(() => server.records().length >= point, { timeoutMs: 30_000, what: `record #${point} at the server` });
      proxy.cut();
    }
    await waitFor(() => outcomes.size === EMITS, { timeoutMs: 40_000, what: `${EMITS} acknowledgements (${outcomes.size} so far)` });

    const failed = [...outcomes].filter(([i, o]) => o.err !== null || o.reply !== i || o.calls !== 1);
    assert.deepEqual(failed, [], "every acknowledgement succeeded once with the echoed value");
    const received = server.records();
    const firsts = received.filter((value, index) => received.indexOf(value) === index);
    assert.deepEqual(firsts, Array.from({ length: EMITS }, (_, i) => i), "all 1,000 arrived, in order of first arrival");
    assert.ok(connects >= 2, `the client reconnected after the cuts (connects: ${connects})`);
    t.diagnostic(
      `seed ${SEED}: ${CUTS} cuts at records ${points.join(",")}; ${connects} connects; ` +
        `${received.length - EMITS} duplicate(s) among ${received.length} records`,
    );
  });
}
