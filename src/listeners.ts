// The listening half of a Socket (the base of its class chain: Listeners → Outbox → Socket): component-emitter's
// on/once/off with siolink's `{ signal }` option, the catch-all listeners of incoming events (onAny family),
// waitFor(), and the dispatch of a received event to all of them.

import { TimeoutError, nonNegative, AbortError } from "./errors";
import { emitterOff, TypedEmitter } from "./internal/emitter";
import type { ManagerLink } from "./link";
import type {
  AnyEventListener,
  EventsMap,
  ListenerOptions,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  SocketReservedEvents,
  UntypedArg,
  WaitForOptions,
} from "./types";
import { DEV } from "./internal/dev";

type Fn = (...args: unknown[]) => void;

/** The arguments a listener of type L receives (waitFor resolves with them). */
export type ListenerArgs<L> = L extends (...args: infer P) => unknown ? P : never;

/** A catch-all listener: the event name, then the event's arguments. */
export type AnyListener = { bivarianceHack(event: string, ...args: UntypedArg[]): void }["bivarianceHack"];

/** Catch-all listener lists are replaced, never changed in place: dispatch needs no snapshot copy. Never handed out (listenersAny() copies), so not frozen. */
export const NO_LISTENERS: readonly AnyListener[] = [];

/** The error of an emit or a wait cancelled through `signal`. */
export const abortError = (signal: AbortSignal): AbortError => new AbortError(undefined, { cause: signal.reason });

/** Calls `fn` once when `signal` aborts; returns what removes that abort listener. */
export const whenAborted = (signal: AbortSignal, fn: () => unknown): (() => void) => (
  signal.addEventListener("abort", fn, { once: true }), () => signal.removeEventListener("abort", fn)
);

/** A copy of `listeners` without the first `listener` (without any when undefined); adding copies inline. */
export const withoutListener = (listeners: readonly AnyListener[], listener: AnyListener | undefined): readonly AnyListener[] =>
  listener === undefined ? NO_LISTENERS : listeners.filter((l, i) => l !== listener || i !== listeners.indexOf(listener));


/** The base of Socket: its listener API. */
export abstract class Listeners<ListenEvents extends EventsMap> extends TypedEmitter<ListenEvents, SocketReservedEvents> {
  /**
   * The Manager (connection) this socket rides on; Socket declares its type. Read here and in Outbox as what it
   * lends a socket (ManagerLink: timers, writes, attach/detach; its TypeScript-private members).
   */
  declare readonly io: unknown;
  #anyListeners = NO_LISTENERS;
  /** Listeners added with `{ signal }`: [event, listener, release of its abort listener]. */
  #bound: Array<[unknown, unknown, () => void]> | undefined;

  /**
   * @internal Calls the catch-all listeners, then the listeners of the event (`args[0]`), as component-emitter's
   * emit would (same table, same order, listeners added meanwhile wait for the next event), without its copies
   * on the receive path: the arguments are sliced once, and the listener list is only copied when it has
   * several (a once() listener removes itself while they run).
   */
  protected dispatch(args: readonly unknown[]): void {
    // Indexed: a for-of allocates an iterator on every received event.
    const any = this.#anyListeners;
    for (let i = 0; i < any.length; i++) (any[i] as Fn).apply(this, args as unknown[]);
    let fns = (this as unknown as { _callbacks?: Record<string, Fn[]> })._callbacks?.["$" + (args[0] as string)];
    if (!fns) return;
    const rest = args.slice(1);
    const n = fns.length;
    if (n > 1) fns = fns.slice();
    for (let i = 0; i < n; i++) (fns[i] as Fn).apply(this, rest);
  }

  /**
   * Adds a listener. siolink: with `{ signal }`, it is removed when the signal aborts (and the abort
   * listener goes as soon as the listener is removed some other way).
   */
  override on<E extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(ev: E, listener: ReservedOrUserListener<SocketReservedEvents, ListenEvents, E>, options?: ListenerOptions): this {
    return this.#add(super.on, ev, listener, options);
  }

  /** Like on(), for one call. */
  override once<E extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(ev: E, listener: ReservedOrUserListener<SocketReservedEvents, ListenEvents, E>, options?: ListenerOptions): this {
    return this.#add(super.once, ev, listener, options);
  }

  #add(add: (ev: never, fn: never) => unknown, ev: unknown, fn: unknown, options?: ListenerOptions): this {
    const signal = options?.signal;
    if (signal?.aborted) return this;
    add.call(this, ev as never, fn as never);
    if (signal) (this.#bound ??= []).push([ev, fn, whenAborted(signal, () => this.off(ev as never, fn as never))]);
    return this;
  }

  /** Removes `listener`; all listeners of `ev` without one; every listener without arguments. */
  override off<E extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(ev?: E, listener?: ReservedOrUserListener<SocketReservedEvents, ListenEvents, E>): this {
    // component-emitter tells its forms apart by the number of arguments.
    emitterOff.apply(this, [ev, listener].slice(0, arguments.length));
    // The `{ signal }` listeners gone by now release their abort listener (release() returns undefined).
    this.#bound = this.#bound?.filter(
      ([event, fn, release]) => (this.listeners(event as never) as Array<{ fn?: unknown }>).some((l) => l === fn || l.fn === fn) || release(),
    );
    // component-emitter deletes the key of an event left without listeners, which turns its table into a
    // dictionary (about 250 B, kept for the socket's life; every once() listener does it): rebuilt as a
    // plain object, or dropped when empty (component-emitter makes a new one when needed).
    // Only when this off() left `ev` without listeners: an event that keeps some kept its key.
    // component-emitter's off() always leaves a table, `{}` after off() without arguments.
    const self = this as unknown as { _callbacks?: object | undefined };
    const table = self._callbacks as object;
    // ("$" + ev: component-emitter's key, which its off() computed before us.)
    if (!("$" + (ev as string) in table)) self._callbacks = Object.keys(table).length ? { ...table } : undefined;
    return this;
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
  waitFor<E extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(ev: E, { signal, timeout }: WaitForOptions = {}): Promise<ListenerArgs<ReservedOrUserListener<SocketReservedEvents, ListenEvents, E>>> {
    nonNegative("timeout", timeout);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const link = this.io as ManagerLink;
      const settle = (error: Error | undefined, args?: unknown): void => {
        link.timers.clearTimeout(timer);
        this.off(ev, listener as never);
        release?.();
        error ? reject(error) : resolve(args as ListenerArgs<ReservedOrUserListener<SocketReservedEvents, ListenEvents, E>>);
      };
      const listener = (...args: unknown[]): void => settle(undefined, args);
      this.on(ev, listener as never);
      const release = signal && whenAborted(signal, () => settle(abortError(signal)));
      const timer =
        timeout === undefined
          ? undefined
          : link.startTimer(() => settle(new TimeoutError(DEV ? `no "${String(ev)}" event in ${timeout} ms` : `${String(ev)} ${timeout}`)), timeout);
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
    this.#anyListeners = withoutListener(this.#anyListeners, listener as AnyListener | undefined);
    return this;
  }

  listenersAny(): AnyListener[] {
    return [...this.#anyListeners];
  }
}

// component-emitter's other names for off(): they must release `{ signal }` bindings too.
const proto = Listeners.prototype as unknown as Record<string, unknown>;
proto.removeListener = proto.removeAllListeners = proto.removeEventListener = proto.off;
