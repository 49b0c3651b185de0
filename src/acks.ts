// The acknowledgement table of one Socket: pending callbacks by packet id, each with its optional timeout.

import { TimeoutError } from "./errors";
import { rethrowLater } from "./internal/subscriptions";
import type { TimerHandle, Timers } from "./internal/timers";

export type AckCallback = (...args: unknown[]) => void;

/** Node fires longer timers at once (with a warning): a longer timeout means "no timeout". */
const MAX_TIMER_DELAY = 2_147_483_647;

interface PendingAck {
  fn: AckCallback;
  /** Error-first: called as fn(null, ...reply) on success and fn(error) on failure. */
  withError: boolean;
  timer: TimerHandle | undefined;
}

export interface AckTableOptions {
  timers: Timers;
  unref?: ((handle: TimerHandle) => void) | undefined;
  /** Told about every id that timed out, before its callback runs (the Socket drops the unsent packet). */
  onTimeout?: ((id: number) => void) | undefined;
}

export class AckTable {
  /** The next fresh id. Also taken directly by an emit that keeps one packet id over all its tries. */
  nextId = 0;
  readonly #pending = new Map<number, PendingAck>();
  readonly #options: AckTableOptions;

  constructor(options: AckTableOptions) {
    this.#options = options;
  }

  /** Pending acknowledgements (and live timers): 0 once everything was answered, timed out or failed. */
  get size(): number {
    return this.#pending.size;
  }

  has(id: number): boolean {
    return this.#pending.has(id);
  }

  /**
   * Stores `fn` under a fresh id (or `id`, taken earlier from nextId), which the caller puts in the packet.
   * `withError`: error-first callback; `timeoutMs`: fail with a TimeoutError after this many ms (undefined:
   * no deadline).
   */
  register(fn: AckCallback, withError: boolean, timeoutMs: number | undefined, id = this.nextId++): number {
    // A resend under the id of its first try (exactlyOnce) replaces what may still wait on that id.
    this.#take(id);
    let timer: TimerHandle | undefined;
    if (timeoutMs !== undefined && timeoutMs <= MAX_TIMER_DELAY) {
      const { timers, unref } = this.#options;
      timer = timers.setTimeout(() => {
        if (!this.#pending.delete(id)) return;
        this.#options.onTimeout?.(id);
        fn(new TimeoutError("operation has timed out"));
      }, timeoutMs);
      unref?.(timer);
    }
    this.#pending.set(id, { fn, withError, timer });
    return id;
  }

  /**
   * Delivers the server's reply to the callback waiting on `id`. False when none waits (a late reply after a
   * timeout, a duplicate, or an id never handed out): such replies are dropped.
   */
  resolve(id: number, reply: readonly unknown[]): boolean {
    const entry = this.#take(id);
    if (entry === undefined) return false;
    if (entry.withError) entry.fn(null, ...reply);
    else entry.fn(...reply);
    return true;
  }

  /** Forgets `id` without calling its callback. */
  cancel(id: number): void {
    this.#take(id);
  }

  /**
   * Fails one acknowledgement now (its emit was dropped or aborted); false when none waits on `id`. Plain
   * callbacks are dropped uncalled, as in failAll().
   */
  fail(id: number, error: Error): boolean {
    const entry = this.#take(id);
    if (entry?.withError) call(entry.fn, error);
    return entry !== undefined;
  }

  /**
   * The connection dropped: every acknowledgement still awaited fails, except those whose packet was never
   * sent (`keep`), which will go out on the next connection. Error-first callbacks receive `error`; plain
   * callbacks are dropped uncalled, since an Error in the place of the reply would be misread as one.
   */
  failAll(error: Error, keep: (id: number) => boolean): void {
    for (const id of [...this.#pending.keys()]) {
      if (keep(id)) continue;
      const entry = this.#take(id);
      if (entry?.withError) call(entry.fn, error);
    }
  }

  #take(id: number): PendingAck | undefined {
    const entry = this.#pending.get(id);
    if (entry === undefined) return undefined;
    this.#pending.delete(id);
    this.#options.timers.clearTimeout(entry.timer);
    return entry;
  }
}

/** One throwing callback must not leave the others pending, nor unwind the caller's state machine. */
function call(fn: AckCallback, error: Error): void {
  try {
    fn(error);
  } catch (thrown) {
    rethrowLater(thrown);
  }
}
