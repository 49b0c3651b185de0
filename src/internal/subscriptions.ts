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
  /**
   * Its unref() is called on every timer handle this bag creates: lets Node exit while only these timers are
   * pending. An object with a method rather than a function, so an owner can pass itself, not a closure.
   */
  unref?: { unref(handle: TimerHandle): void } | undefined;
}

/**
 * What an empty bag holds: a bag lives as long as its owner (a Manager, one per client), and most phases
 * register nothing, so the array is only made when something is registered.
 */
const NONE: readonly never[] = Object.freeze([]);

export class Subscriptions {
  readonly #timers: Timers;
  readonly #unref: { unref(handle: TimerHandle): void } | undefined;
  /** The cleanups of every listener, timer and add(), in order; each runs at most once. */
  #undos: readonly Undo[] = NONE;

  constructor(options: SubscriptionsOptions) {
    this.#timers = options.timers;
    this.#unref = options.unref;
  }

  /** Adds `listener` to `emitter` until dispose(). */
  on<L extends (...args: never[]) => void>(emitter: Listenable, event: string, listener: L): void {
    (emitter.on as Subscribe).call(emitter, event, listener);
    this.add(() => (emitter.off as Subscribe).call(emitter, event, listener));
  }

  /** Runs `fn` once after `ms` unless undone first; the timer forgets itself once it has fired. */
  timeout(fn: () => void, ms: number): Undo {
    const timers = this.#timers;
    const handle = timers.setTimeout(() => {
      undo();
      fn();
    }, ms);
    this.#unref?.unref(handle);
    const undo = this.add(() => timers.clearTimeout(handle));
    return undo;
  }

  /** Registers any cleanup; the returned function runs it at most once and forgets it. */
  add(cleanup: Undo): Undo {
    let done = false;
    const undo: Undo = () => {
      if (done) return;
      done = true;
      const rest = this.#undos.filter((other) => other !== undo);
      // Concatenated rather than pushed: a pushed array grows 16 spare slots, kept for the whole phase.
      this.#undos = rest.length > 0 ? rest : NONE;
      cleanup();
    };
    this.#undos = this.#undos.concat([undo]);
    return undo;
  }

  /** Runs every pending cleanup. The bag stays usable: later registrations start a new phase. */
  dispose(): void {
    // Taken first: a cleanup may register or undo others while we go through them.
    const undos = this.#undos;
    this.#undos = NONE;
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
