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
 * register nothing, so the arrays are only made when something is registered.
 */
const NONE: readonly never[] = Object.freeze([]);

export class Subscriptions {
  readonly #timers: Timers;
  readonly #unref: { unref(handle: TimerHandle): void } | undefined;
  /**
   * Listeners added by on(), as flat (emitter, event, listener) triples: a long-lived phase (an open
   * connection) holds several, and this costs no closure or entry object per listener.
   */
  #listeners: readonly unknown[] = NONE;
  /** Cleanups of timers and add(); each runs at most once. */
  #undos: readonly Undo[] = NONE;

  constructor(options: SubscriptionsOptions) {
    this.#timers = options.timers;
    this.#unref = options.unref;
  }

  /** How many listeners and timers are live: 0 after dispose(). */
  get size(): number {
    return this.#listeners.length / 3 + this.#undos.length;
  }

  /** Adds `listener` to `emitter` until dispose(). */
  on<L extends (...args: never[]) => void>(emitter: Listenable, event: string, listener: L): void {
    (emitter.on as Subscribe).call(emitter, event, listener);
    // Concatenated rather than pushed: a pushed array grows 16 spare slots, kept for the whole phase.
    this.#listeners = this.#listeners.concat([emitter, event, listener]);
  }

  /** Runs `fn` once after `ms` unless undone first; the timer forgets itself once it has fired. */
  timeout(fn: () => void, ms: number): Undo {
    const undo = this.add(() => {
      this.#timers.clearTimeout(handle);
    });
    const handle = this.#timers.setTimeout(() => {
      this.#forget(undo);
      fn();
    }, ms);
    this.#unref?.unref(handle);
    return undo;
  }

  /** Registers any cleanup; the returned function runs it at most once and forgets it. */
  add(cleanup: Undo): Undo {
    let done = false;
    const undo: Undo = () => {
      if (done) return;
      done = true;
      this.#forget(undo);
      cleanup();
    };
    this.#undos = this.#undos.concat([undo]);
    return undo;
  }

  /** Runs every pending cleanup. The bag stays usable: later registrations start a new phase. */
  dispose(): void {
    // Taken first: a cleanup may register or undo others while we go through them.
    const listeners = this.#listeners;
    const undos = this.#undos;
    this.#listeners = NONE;
    this.#undos = NONE;
    for (let i = 0; i < listeners.length; i += 3) {
      const emitter = listeners[i] as Listenable;
      (emitter.off as Subscribe).call(emitter, listeners[i + 1] as string, listeners[i + 2] as (...args: never[]) => void);
    }
    for (const undo of undos) undo();
  }

  #forget(undo: Undo): void {
    const index = this.#undos.indexOf(undo);
    if (index === -1) return;
    this.#undos = this.#undos.length === 1 ? NONE : this.#undos.slice(0, index).concat(this.#undos.slice(index + 1));
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
