// What a Manager is besides its connection's state machine (src/manager.ts): its options and settings, the
// table of its namespaces (their Sockets and the hooks of the attached ones), and the link members that do not
// read the connection.

import { defaultParser } from "./codec/default";
import type { EncodedChunk, Encoder, Packet } from "./codec/packet";
import { nonNegative } from "./errors";
import { TypedEmitter } from "./internal/emitter";
import { call } from "./internal/subscriptions";
import { pickTimers, type TimerHandle, type Timers } from "./internal/timers";
import type { NamespaceHooks } from "./link";
import type { Manager, ManagerState } from "./manager";
import { checkParser, SETTINGS } from "./manager-options";
import { defaultPlatform } from "./platform/default";
import { Socket } from "./socket";
import type { DefaultEventsMap, EventsMap, ManagerOptions, ManagerReservedEvents, SocketOptions } from "./types";

type Setting = keyof typeof SETTINGS;

/** Checks a setting's value (a non-negative number; `timeout` may also be false). */
function check(name: string, value: unknown): void {
  if (!(name === "timeout" && value === false)) nonNegative(name, value);
}

/** The settings (made by the static block of ManagerBase): no argument reads, one writes and returns the Manager. */
export interface ManagerBase<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents> {
  reconnectionAttempts(): number;
  reconnectionAttempts(v: number): this;
  reconnectionDelay(): number;
  reconnectionDelay(v: number): this;
  reconnectionDelayMax(): number;
  reconnectionDelayMax(v: number): this;
  randomizationFactor(): number;
  randomizationFactor(v: number): this;
  timeout(): number | false;
  timeout(v: number | false): this;
}

/**
 * The part of a Manager that does not read its connection's state: see Manager. Its members marked private or
 * protected are part of the link its Sockets and the io() cache use (src/link.ts).
 */
export abstract class ManagerBase<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends TypedEmitter<{}, ManagerReservedEvents> {
  /**
   * The options this Manager was created with (a copy: path defaulted, URL query merged in). The settings
   * (reconnectionDelay()...) write theirs here.
   */
  declare readonly opts: ManagerOptions;
  /**
   * component-emitter's emit, which calls this Manager's own listeners. Typed as in socket.io-client, whose
   * Manager declares no event to emit.
   */
  declare emit: (ev: never, ...args: never[]) => this;
  /** Whether Sockets connect as soon as they are created (the `autoConnect` option); writable, as in socket.io-client. */
  declare _autoConnect: boolean;
  readonly #encoder: Encoder;
  /** The Socket of each namespace (almost always one; an exact-size array costs less than a Map). */
  #sockets: Socket<ListenEvents, EmitEvents>[] = [];
  /** The hooks of the attached sockets (one per namespace); replaced, never changed, so a loop reads a snapshot. */
  #attached: readonly NamespaceHooks[] = [];

  /** @throws SioError ERR_INVALID_ARG for an invalid setting or parser. */
  constructor(opts: ManagerOptions | undefined) {
    super();
    // Object.assign, not a spread: the copies then share one hidden class (a spread gives each its own).
    const options: ManagerOptions = ((this as { opts: ManagerOptions }).opts = Object.assign({}, opts));
    this._autoConnect = options.autoConnect !== false;
    for (const name in SETTINGS) check(name, options[name as Setting]);
    this.#encoder = new (checkParser(options.parser ?? defaultParser).Encoder)();
  }

  /** Where the connection is in its lifecycle. */
  abstract get state(): ManagerState;
  abstract open(fn?: (err?: Error) => void): this;
  abstract close(): this;

  // -------------------------------------------------------------------------------------------------------
  // Settings: no argument reads, one writes and returns the Manager (as in socket.io-client)

  static {
    for (const name in SETTINGS) {
      // No argument reads (undefined too, except for timeout, where it is a value to refuse).
      (this.prototype as unknown as Record<string, unknown>)[name] = function (this: ManagerBase, v?: unknown) {
        const opts = this.opts as Record<string, unknown>;
        if (!arguments.length || (v === undefined && name !== "timeout")) return opts[name] ?? SETTINGS[name as Setting];
        check(name, v);
        opts[name] = v;
        return this;
      };
    }
  }

  /** Alias of open(). */
  connect(fn?: (err?: Error) => void): this {
    return this.open(fn);
  }

  /** Alias of close(). */
  disconnect(): this {
    return this.close();
  }

  // -------------------------------------------------------------------------------------------------------
  // socket.io-client's underscore members: its typings declare them public, so its TypeScript users call
  // them (`_close()` is the only close its typings give a Manager). Same behaviour, on siolink's state.

  /** socket.io-client's close: as close(). */
  _close(): void {
    this.close();
  }

  /** socket.io-client calls it when `socket` disconnects: closes the connection once no Socket is active. */
  _destroy(_socket: Socket<ListenEvents, EmitEvents>): void {
    // An active socket is an attached one (connect() attaches it, every way to inactive detaches it).
    if (!this.#attached.length) this.close();
  }

  // -------------------------------------------------------------------------------------------------------
  // Namespaces

  /**
   * The Socket for namespace `nsp`, created on first use (one per namespace per Manager).
   *
   * @example
   * const admin = manager.socket("/admin", { auth: { token } });
   */
  socket(nsp: string, opts?: SocketOptions): Socket<ListenEvents, EmitEvents> {
    let socket = this.socketOf(nsp);
    if (!socket) {
      socket = new Socket<ListenEvents, EmitEvents>(this as unknown as Manager<ListenEvents, EmitEvents>, nsp, opts);
      this.#sockets = this.#sockets.concat(socket);
    } else if (this._autoConnect && !socket.active) {
      socket.connect();
    }
    return socket;
  }

  /** The Socket of namespace `nsp`, if it has one (the io() cache asks too: TypeScript-private, not #private). */
  private socketOf(nsp: string): Socket<ListenEvents, EmitEvents> | undefined {
    // A loop, as nspHooks() (the same text compresses better).
    for (const socket of this.#sockets) if (socket.nsp === nsp) return socket;
    return undefined;
  }

  /** The hooks of the socket attached for `nsp`. */
  protected nspHooks(nsp: string): NamespaceHooks | undefined {
    // A loop rather than find(): no closure per received packet.
    for (const hooks of this.#attached) if (hooks.nsp === nsp) return hooks;
    return undefined;
  }

  /** Calls `method` of each attached socket, on a snapshot: sockets may detach from inside their listeners. */
  protected notify(method: keyof NamespaceHooks, ...args: unknown[]): void {
    for (const hooks of this.#attached) {
      if (this.#attached.includes(hooks)) call(hooks[method] as (...a: unknown[]) => void, args, hooks);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // The link members that do not depend on the connection (the others are Manager's). Private to TypeScript
  // users; a Socket reads its Manager as a ManagerLink.

  protected get timers(): Timers {
    return pickTimers(this.opts.useNativeTimers);
  }

  /** Sets a timer with its timers; under `autoUnref`, one that lets Node exit while only it is pending. */
  protected startTimer(fn: () => void, ms: number): TimerHandle {
    const timer = this.timers.setTimeout(fn, ms);
    if (this.opts.autoUnref) (this.opts.platform ?? defaultPlatform).unref(timer);
    return timer;
  }

  /** Attaches `hooks` in place of any other socket's of its namespace. */
  private attach(hooks: NamespaceHooks): void {
    this.#attached = this.#attached.filter((other) => other.nsp !== hooks.nsp).concat(hooks);
  }

  private detach(hooks: NamespaceHooks): void {
    this.#attached = this.#attached.filter((other) => other !== hooks);
    if (!this.#attached.length) this.close();
  }

  protected encode(packet: Packet): EncodedChunk[] {
    // Some parsers return one chunk rather than an array of them.
    const chunks: EncodedChunk[] | EncodedChunk = this.#encoder.encode(packet);
    return Array.isArray(chunks) ? chunks : [chunks];
  }
}
