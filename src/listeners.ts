// A Socket's listeners: component-emitter's on/once/off with siolink's `{ signal }` option, the catch-all
// listeners of incoming events (onAny family), waitFor(), and the dispatch of a received event to all of them.

import { TimeoutError, nonNegative } from "./errors";
import { emitterOff, emitWithName, TypedEmitter } from "./internal/emitter";
import type { TimerHandle } from "./internal/timers";
import type { ManagerLink } from "./link";
import { abortError, type AnyListener } from "./outbox";
import type {
  AnyEventListener,
  EventsMap,
  ListenerOptions,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  SocketReservedEvents,
  WaitForOptions,
} from "./types";
import { DEV } from "./internal/dev";

/** The arguments a listener of type L receives (waitFor resolves with them). */
export type ListenerArgs<L> = L extends (...args: infer P) => unknown ? P : never;

/** Catch-all listener lists are replaced, never changed in place: dispatch needs no snapshot copy. */
export const NO_LISTENERS: readonly AnyListener[] = Object.freeze([]);

/** A listener added with `{ signal }`: what removes the abort listener once the listener is gone. */
interface SignalBinding {
  ev: string | symbol;
  fn: unknown;
  release: () => void;
}

/** A copy of `listeners` without `listener`; none left when `listener` is undefined. */
export function removeListener(listeners: readonly AnyListener[], listener: AnyListener | undefined): readonly AnyListener[] {
  if (listener === undefined) return NO_LISTENERS;
  const index = listeners.indexOf(listener);
  if (index === -1) return listeners;
  const copy = [...listeners];
  copy.splice(index, 1);
  return copy;
}

/** The base of Socket: its listener API. */
export abstract class Listeners<ListenEvents extends EventsMap> extends TypedEmitter<ListenEvents, SocketReservedEvents> {
  #anyListeners: readonly AnyListener[] = NO_LISTENERS;
  /** Listeners added with `{ signal }`. */
  #bindings: SignalBinding[] | undefined;

  /** @internal The timers waitFor() uses. */
  protected abstract timerLink(): Pick<ManagerLink, "timers" | "unref">;

  /** @internal Calls the catch-all listeners, then the listeners of the event (`args[0]`). */
  protected dispatch(args: ReadonlyArray<unknown>): void {
    for (const listener of this.#anyListeners) {
      (listener as (...a: unknown[]) => void).apply(this, args as unknown[]);
    }
    emitWithName(this, args);
  }

  /**
   * Adds a listener. siolink: with `{ signal }`, it is removed when the signal aborts (and the abort
   * listener goes as soon as the listener is removed some other way).
   */
  override on<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>,
    options?: ListenerOptions,
  ): this {
    if (options?.signal?.aborted) return this;
    super.on(ev, listener);
    if (options?.signal) this.#bind(ev, listener, options.signal);
    return this;
  }

  /** Like on(), for one call. */
  override once<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>,
    options?: ListenerOptions,
  ): this {
    if (options?.signal?.aborted) return this;
    super.once(ev, listener);
    if (options?.signal) this.#bind(ev, listener, options.signal);
    return this;
  }

  /** Removes `listener`; all listeners of `ev` without one; every listener without arguments. */
  override off<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>,
  ): this {
    // component-emitter tells its forms apart by the number of arguments.
    emitterOff.apply(this, [ev, listener].slice(0, arguments.length));
    const bindings = this.#bindings;
    if (bindings === undefined) return this;
    const live = bindings.filter((binding) => {
      const kept = (this.listeners(binding.ev as never) as Array<{ fn?: unknown }>).some((l) => l === binding.fn || l.fn === binding.fn);
      if (!kept) binding.release();
      return kept;
    });
    this.#bindings = live.length > 0 ? live : undefined;
    return this;
  }

  #bind(ev: string | symbol, fn: unknown, signal: AbortSignal): void {
    const onAbort = (): void => {
      this.off(ev as never, fn as never);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    (this.#bindings ??= []).push({ ev, fn, release: () => signal.removeEventListener("abort", onAbort) });
  }

  /**
   * siolink: resolves with the arguments of the next `ev` event (an array). Rejects with a TimeoutError
   * after `timeout` ms and with an AbortError when `signal` aborts; either way its listener, timer and abort
   * listener are removed. It keeps waiting across disconnections and reconnections: bound it with a
   * timeout or a signal.
   *
   * @example
   * const [text] = await socket.waitFor("news", { timeout: 5000 });
   */
  waitFor<Ev extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(
    ev: Ev,
    options: WaitForOptions = {},
  ): Promise<ListenerArgs<ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>>> {
    const { signal, timeout } = options;
    nonNegative("timeout", timeout);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const link = this.timerLink();
      const timers = link.timers;
      let timer: TimerHandle | undefined;
      const settle = (error: Error | undefined, args?: unknown[]): void => {
        timers.clearTimeout(timer);
        this.off(ev, listener as never);
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve(args as ListenerArgs<ReservedOrUserListener<SocketReservedEvents, ListenEvents, Ev>>);
      };
      const listener = (...args: unknown[]): void => settle(undefined, args);
      const onAbort = (): void => settle(abortError(signal as AbortSignal));
      this.on(ev, listener as never);
      signal?.addEventListener("abort", onAbort);
      if (timeout !== undefined) {
        timer = timers.setTimeout(() => settle(new TimeoutError(DEV ? `no "${String(ev)}" event in ${timeout} ms` : `${String(ev)} ${timeout}`)), timeout);
        link.unref(timer);
      }
    });
  }

  /** Adds a listener called for every incoming event, with the event name (typed from the map) first. */
  onAny(listener: AnyEventListener<ListenEvents>): this {
    this.#anyListeners = [...this.#anyListeners, listener as AnyListener];
    return this;
  }

  /** Like onAny(), but called before the other catch-all listeners. */
  prependAny(listener: AnyEventListener<ListenEvents>): this {
    this.#anyListeners = [listener as AnyListener, ...this.#anyListeners];
    return this;
  }

  /** Removes one catch-all listener, or all of them when called without one. */
  offAny(listener?: AnyEventListener<ListenEvents>): this {
    this.#anyListeners = removeListener(this.#anyListeners, listener as AnyListener | undefined);
    return this;
  }

  listenersAny(): AnyListener[] {
    return [...this.#anyListeners];
  }

}

// component-emitter's other names for off(): they must release `{ signal }` bindings too.
const proto = Listeners.prototype as unknown as Record<string, unknown>;
proto.removeListener = proto.removeAllListeners = proto.removeEventListener = proto.off;
