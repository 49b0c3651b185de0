// Proves the reconnection delay grows, caps, stays random at the cap and never overflows.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { backoffDelay as delay } from "../src/backoff";

/** The options by name (backoffDelay takes them as positional arguments). */
const backoffDelay = (attempt: number, o: { min: number; max: number; jitter: number }, random?: () => number) =>
  delay(attempt, o.min, o.max, o.jitter, random);

const opts = { min: 1000, max: 5000, jitter: 0.5 };
const mid = () => 0.5; // the nominal delay: (2r - 1) = 0 and, at the cap, half the jitter

function assertSane(value: number, max: number) {
  assert.ok(Number.isInteger(value), `${value} is an integer`);
  assert.ok(value >= 0 && value <= max, `${value} in [0, ${max}]`);
}

test("attempt 1 is min, and the nominal delay doubles until the cap", () => {
  const noJitter = { min: 100, max: 10_000, jitter: 0 };
  const delays = Array.from({ length: 10 }, (_, i) => backoffDelay(i + 1, noJitter));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! >= delays[i - 1]!, "monotone");
});

test("with the middle random value, the jittered delay is the nominal one below the cap", () => {
  assert.equal(backoffDelay(1, opts, mid), 1000);
  assert.equal(backoffDelay(2, opts, mid), 2000);
  assert.equal(backoffDelay(3, opts, mid), 4000);
});

test("never above max", () => {
  for (let attempt = 1; attempt < 100; attempt++) {
    for (const r of [0, 0.25, 0.5, 0.75, 0.999999]) {
      const d = backoffDelay(attempt, opts, () => r);
      assertSane(d, 5000);
    }
  }
});

test("the jitter survives the cap: different random values give different capped delays", () => {
  const capped = [0, 0.3, 0.6, 0.9].map((r) => backoffDelay(50, opts, () => r));
  assert.equal(new Set(capped).size, capped.length, `all different: ${capped.join(", ")}`);
  for (const d of capped) assert.ok(d >= 2500 && d <= 5000, `${d} within max * (1 - jitter)..max`);
  assert.equal(backoffDelay(50, opts, () => 0), 5000);
  assert.equal(backoffDelay(50, opts, () => 0.9), 2750);
});

test("the step whose spread crosses the cap stays random too (reflected, not clamped)", () => {
  // attempt 3 has nominal 4000: its ±50% range [2000, 6000] crosses max 5000.
  const high = [0.8, 0.9, 0.99].map((r) => backoffDelay(3, opts, () => r));
  assert.equal(new Set(high).size, high.length, `all different: ${high.join(", ")}`);
  for (const d of high) assert.ok(d <= 5000);
});

test("huge attempt numbers stay finite and capped", () => {
  for (const attempt of [1_000, 1_100, 1e6, 1e300, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity]) {
    const d = backoffDelay(attempt, opts, mid);
    assertSane(d, 5000);
    assert.equal(d, 3750, `attempt ${attempt}: max * (1 - 0.5 * 0.5)`);
  }
});

test("jitter 0 is deterministic and ignores the random source", () => {
  const o = { min: 300, max: 4000, jitter: 0 };
  for (let attempt = 1; attempt < 40; attempt++) {
    assert.equal(backoffDelay(attempt, o, () => 0), backoffDelay(attempt, o, () => 0.99));
  }
  assert.equal(backoffDelay(1_000_000, o, Math.random), 4000);
});

test("min above max counts as max", () => {
  const o = { min: 10_000, max: 2000, jitter: 0 };
  assert.equal(backoffDelay(1, o), 2000);
  assert.equal(backoffDelay(10, o), 2000);
  const jittered = backoffDelay(1, { min: 10_000, max: 2000, jitter: 0.5 }, () => 0.5);
  assert.equal(jittered, 1500);
});

test("a positive min never gives 0 ms, even with full jitter", () => {
  const o = { min: 100, max: 1000, jitter: 1 };
  for (const attempt of [1, 2, 5, 1000]) {
    assert.ok(backoffDelay(attempt, o, () => 0.999999999) >= 1);
    assert.ok(backoffDelay(attempt, o, () => 1) >= 1);
  }
  assert.ok(backoffDelay(1, { min: 0.2, max: 10, jitter: 0 }) >= 1, "sub-millisecond min rounds up to 1");
});

test("min 0 or max 0 gives 0 (reconnect at once, as asked)", () => {
  assert.equal(backoffDelay(1, { min: 0, max: 5000, jitter: 0.5 }), 0);
  assert.equal(backoffDelay(9, { min: 0, max: 5000, jitter: 0.5 }), 0);
  assert.equal(backoffDelay(3, { min: 100, max: 0, jitter: 0.5 }), 0);
});

test("any values the Manager's settings accept give a sane delay, never NaN", () => {
  // The settings refuse negative numbers and NaN when set (test/misuse.api.test.ts): these are what remains.
  const accepted = [0, 0.5, 1, 1e308, Infinity];
  for (const min of accepted) {
    for (const max of accepted) {
      for (const jitter of [0, 0.5, 1, 7]) {
        for (const r of [0, 0.5, 1]) {
          for (const attempt of [1, 2, 1e9]) {
            const d = backoffDelay(attempt, { min, max, jitter }, () => r);
            assert.ok(Number.isInteger(d) && d >= 0 && d <= 2_147_483_647, `got ${d}`);
          }
        }
      }
    }
  }
  // An infinite max is capped at the longest delay a timer honours.
  assert.equal(backoffDelay(1e6, { min: 1000, max: Infinity, jitter: 0 }), 2_147_483_647);
});

test("randomised delays stay within bounds over many draws (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1, max: 100_000 }),
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      (attempt, min, max, jitter, r) => {
        const d = backoffDelay(attempt, { min, max, jitter }, () => r);
        const lo = Math.min(min, max);
        const nominal = Math.min(max, lo * 2 ** Math.min(attempt - 1, 60));
        return (
          Number.isInteger(d) &&
          d <= max &&
          d >= 1 &&
          d >= Math.floor(nominal * (1 - jitter)) - 1 &&
          d <= Math.ceil(nominal * (1 + jitter)) + 1
        );
      },
    ),
    { numRuns: 2000 },
  );
});

test("Math.random spreads capped delays over the jitter band", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) {
    const d = backoffDelay(100, opts);
    assert.ok(d >= 2500 && d <= 5000, `${d} in band`);
    seen.add(d);
  }
  assert.ok(seen.size > 100, `many distinct capped delays, got ${seen.size}`);
});
