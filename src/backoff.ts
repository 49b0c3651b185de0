// The reconnection delay: exponential growth from `min` to `max`, randomised so that clients spread out.

/** Node fires a setTimeout longer than 2^31 - 1 ms at once (with a warning), so no delay may exceed it. */
const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * How long to wait before reconnection attempt number `attempt` (1 for the first retry), given
 * `reconnectionDelay` (min), `reconnectionDelayMax` (max) and `randomizationFactor` (jitter, in [0, 1]: 0.5
 * spreads each delay over ±50 %).
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
 *   NaN, i.e. a 0 ms delay) after about a thousand attempts. Here any nominal delay at or past `max`
 *   (Infinity included) takes the capped branch, so any attempt number gives a sane delay.
 *
 * Its inputs are the Manager's settings, which refuse anything but non-negative numbers when set (see
 * Manager): Infinity counts as 2^31 - 1 ms, `jitter` above 1 as 1, `min` above `max` as `max`. `attempt` is
 * the Manager's count (an integer from 1) and `random` is in [0, 1].
 *
 * @param random source of randomness in [0, 1); injectable for tests.
 * @example
 * backoffDelay(1, 1000, 5000, 0.5) // between 500 and 1500
 * backoffDelay(50, 1000, 5000, 0.5) // between 2500 and 5000
 */
export function backoffDelay(attempt: number, min: number, max: number, jitter: number, random: () => number = Math.random): number {
  max = Math.floor(Math.min(max, MAX_TIMER_DELAY));
  min = Math.min(min, max);
  if (!min) return 0; // 0 (never NaN: the settings refuse it); also covers max === 0, since min <= max
  jitter = Math.min(jitter, 1);
  const r = random();
  // Past the cap the doublings may overflow to Infinity: still capped (min > 0).
  const nominal = min * 2 ** (attempt - 1);
  let delay = nominal >= max ? max * (1 - jitter * r) : nominal * (1 + jitter * (2 * r - 1));
  // Reflect rather than clamp, so no probability piles up on exactly `max`.
  if (delay > max) delay = 2 * max - delay;
  // Never below what attempt 1 can produce, and never 0.
  return Math.min(max, Math.max(1, Math.ceil(min * (1 - jitter)), Math.round(delay)));
}
