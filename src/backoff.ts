// The reconnection delay: exponential growth from `min` to `max`, randomised so that clients spread out.

export interface BackoffOptions {
  /** Delay of the first attempt, in ms (socket.io-client's `reconnectionDelay`). */
  min: number;
  /** Ceiling, in ms (`reconnectionDelayMax`). */
  max: number;
  /** Randomisation factor in [0, 1] (`randomizationFactor`): 0.5 spreads each delay over ±50 %. */
  jitter: number;
}

/** Node fires a setTimeout longer than 2^31 - 1 ms at once (with a warning), so no delay may exceed it. */
const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * How long to wait before reconnection attempt number `attempt` (1 for the first retry).
 *
 * The nominal delay is `min` for attempt 1 and doubles with each attempt until it reaches `max`; the
 * result is spread around it by ±`jitter`. It always is a finite integer in [0, max], and at least 1 ms
 * when `min` > 0, so a reconnect loop never spins.
 *
 * Two differences from socket.io-client's backoff, both deliberate:
 * - **The jitter survives the cap.** socket.io-client clamps the randomised value to `max`, so once the
 *   nominal delay reaches `max` every client waits exactly `max`: after a server restart they all come
 *   back at the same instant. Here a capped delay is `max * (1 - jitter * r)`, and a value the upward
 *   spread pushes past `max` is reflected below it, so clients stay spread out however long they retry.
 * - **No overflow.** socket.io-client computes `min * 2 ** attempt`, which becomes Infinity (and then
 *   NaN, i.e. a 0 ms delay) after about a thousand attempts. Here the doubling stops once it has passed
 *   `max`, so any attempt number, up to Number.MAX_SAFE_INTEGER and beyond, gives a sane delay.
 *
 * Invalid options are tamed rather than thrown on (this runs inside the reconnect loop): negative or NaN
 * values count as 0, `jitter` is clamped to [0, 1], `min` above `max` counts as `max`, and `max` is capped
 * at 2^31 - 1 ms, the longest delay a timer honours.
 *
 * @param random source of randomness in [0, 1); injectable for tests.
 * @example
 * backoffDelay(1, { min: 1000, max: 5000, jitter: 0.5 }) // between 500 and 1500
 * backoffDelay(50, { min: 1000, max: 5000, jitter: 0.5 }) // between 2500 and 5000
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const max = Math.floor(Math.min(nonNegative(opts.max), MAX_TIMER_DELAY));
  const min = Math.min(nonNegative(opts.min), max);
  const jitter = Math.min(nonNegative(opts.jitter), 1);
  // Attempt numbers below 1 (or NaN) count as the first; Infinity is fine: the doublings are capped below.
  const n = attempt >= 1 ? Math.floor(attempt) : 1;

  // Never below what attempt 1 can produce, and never 0 when a positive delay was asked for.
  const floor = min > 0 ? Math.min(max, Math.max(1, Math.ceil(min * (1 - jitter)))) : 0;
  if (min === 0) return 0; // also covers max === 0, since min <= max

  // The number of doublings that takes min past max: beyond it the delay is capped whatever the attempt.
  const doublingsToCap = Math.ceil(Math.log2(max / min));
  const doublings = Math.min(n - 1, doublingsToCap);
  const nominal = min * 2 ** doublings;

  const r = unit(random());
  let delay: number;
  if (nominal >= max) {
    delay = max * (1 - jitter * r);
  } else {
    delay = nominal * (1 + jitter * (2 * r - 1));
    // Reflect rather than clamp, so no probability piles up on exactly `max`.
    if (delay > max) delay = 2 * max - delay;
  }
  return Math.min(max, Math.max(floor, Math.round(delay)));
}

function nonNegative(value: number): number {
  return typeof value === "number" && value > 0 ? value : 0;
}

/** A user-supplied random source may misbehave: keep its output in [0, 1], NaN meaning "no jitter". */
function unit(value: number): number {
  if (typeof value !== "number" || Number.isNaN(value)) return 0.5;
  return Math.min(Math.max(value, 0), 1);
}
