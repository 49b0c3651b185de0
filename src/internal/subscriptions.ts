// A disposables bag: the listeners and timers of one phase (a connect attempt, an open session, a reconnect
// wait) are registered here and all removed by one dispose(), so no phase can leave anything behind.

import type { TimerHandle, Timers } from "./timers";

/** Anything with component-emitter / EventEmitter style `on(event, listener)` and `off(event, listener)`. */
export interface Listenable {
  on: (...args: never[]) => unknown;
  off: (...args: never[]) => unknown;
}

type Subscribe = (this: Listenable, event: string, listener: (...args: never[]) => void) => unknown;

export type Undo = () => void;

export interface SubscriptionsOptions {
  timers: Timers;
  /** Called on every timer handle this bag creates: lets Node exit while only these timers are pending. */
  unref?: ((handle: TimerHandle) => void) | undefined;
}

export class Subscriptions {
  readonly #timers: Timers;
  readonly #unref: ((handle: TimerHandle) => void) | undefined;
  readonly #undos = new Set<Undo>();

  constructor(options: SubscriptionsOptions) {
    this.#timers = options.timers;
    this.#unref = options.unref;
  }

  /** How many listeners and timers are live: 0 after dispose(). */
  get size(): number {
    return this.#undos.size;
  }

  /** Adds `listener` to `emitter`; the returned function (or dispose()) removes it. */
  on<L extends (...args: never[]) => void>(emitter: Listenable, event: string, listener: L): Undo {
    (emitter.on as Subscribe).call(emitter, event, listener);
    return this.add(() => {
      (emitter.off as Subscribe).call(emitter, event, listener);
    });
  }

  /** Runs `fn` once after `ms` unless undone first; the timer forgets itself once it has fired. */
  timeout(fn: () => void, ms: number): Undo {
    const undo = this.add(() => {
      this.#timers.clearTimeout(handle);
    });
    const handle = this.#timers.setTimeout(() => {
      this.#undos.delete(undo);
      fn();
    }, ms);
    this.#unref?.(handle);
    return undo;
  }

  /** Registers any cleanup; the returned function runs it at most once and forgets it. */
  add(cleanup: Undo): Undo {
    let done = false;
    const undo: Undo = () => {
      if (done) return;
      done = true;
      this.#undos.delete(undo);
      cleanup();
    };
    this.#undos.add(undo);
    return undo;
  }

  /** Runs every pending cleanup. The bag stays usable: later registrations start a new phase. */
  dispose(): void {
    // Snapshot first: a cleanup may register or undo others while we iterate.
    const undos = [...this.#undos];
    this.#undos.clear();
    for (const undo of undos) undo();
  }
}

/**
 * Reports an error thrown by user code (an event listener) without unwinding our own state machine:
 * it surfaces as an uncaught exception on its own stack, as it would from an EventEmitter in an I/O callback.
 */
export function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
