// One namespace on a Manager's connection: the Socket users emit on and listen to (socket.io-client's API),
// with its namespace handshake, acknowledgements, buffering, retries and connection state recovery.

import { Emitter } from "@socket.io/component-emitter";
import { AckTable, type AckCallback } from "./acks";
import { isObject, PacketType, type EncodedChunk, type Packet } from "./codec/packet";
import {
  AbortError,
  ConnectError,
  invalidArg,
  invalidState,
  nonNegative,
  ProtocolError,
  SioError,
  TimeoutError,
  TransportError,
} from "./errors";
import { COMPRESSED, kManagerLink, RESERVED_EVENTS, UNCOMPRESSED } from "./internal/constants";
import { rethrowLater } from "./internal/subscriptions";
import type { TimerHandle, Timers } from "./internal/timers";
import type { Manager } from "./manager";
import type {
  AckResult,
  AllButLast,
  AnyEventListener,
  AuthOption,
  BufferDropReason,
  BufferOptions,
  DecorateAcknowledgements,
  DefaultEventsMap,
  DisconnectDescription,
  DisconnectReason,
  EmitArgs,
  EventNames,
  EventParams,
  EventsMap,
  ListenerOptions,
  PingOptions,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  SocketOptions,
  SocketReservedEvents,
  SocketStatus,
  TypedEventEmitter,
  UntypedArg,
  WaitForOptions,
} from "./types";

/**
 * component-emitter at runtime (as in socket.io-client), seen through siolink's own typings, which keep
 * `any` out of the public types. Also the Manager's base.
 * @internal
 */
export const TypedEmitter = Emitter as unknown as new <User extends EventsMap, Reserved extends EventsMap>() => TypedEventEmitter<
  User,
  Reserved
>;

const emitterEmit = Emitter.prototype.emit as (this: object, ...eventAndArgs: unknown[]) => unknown;
const emitterOff = Emitter.prototype.off as (this: object, ...args: unknown[]) => unknown;

/**
 * Calls the listeners of `event` (component-emitter's emit, which Socket.emit hides). A listener's exception
 * is rethrown on its own stack (rethrowLater), never into the caller's state machine. @internal
 */
export function emitLocally(target: object, event: string, args: readonly unknown[]): void {
  try {
    emitterEmit.call(target, event, ...args);
  } catch (error) {
    rethrowLater(error);
  }
}

/**
 * Same, with the event name as the first element of `eventAndArgs` (a received event's data as it is):
 * no copy of the arguments on the way to the listeners.
 */
function emitWithName(target: object, eventAndArgs: readonly unknown[]): void {
  emitterEmit.apply(target, eventAndArgs as unknown[]);
}

/**
 * What a Socket needs from the Manager it rides on. The Manager hands it over under a symbol key; it is
 * not public API.
 * @internal
 */
export interface ManagerLink {
  readonly timers: Timers;
  /** Lets Node exit while only this timer is pending, when the Manager has `autoUnref`. */
  unref(handle: TimerHandle): void;
  /** Whether sockets connect as soon as they are created. */
  readonly autoConnect: boolean;
  /** An Engine.IO session is open: a CONNECT packet can go out now. */
  isOpen(): boolean;
  /** The Manager waits for its reconnection timer: connect() must not start an attempt of its own. */
  isWaitingToReconnect(): boolean;
  /** Number of the current session, so a reply meant for an earlier session is never sent on a later one. */
  session(): number;
  open(): void;
  attach(nsp: string, hooks: NamespaceHooks): void;
  /** The Manager closes its connection when no socket remains attached. */
  detach(nsp: string, hooks: NamespaceHooks): void;
  encode(packet: Packet): EncodedChunk[];
  /** Whether a packet written now goes out: session open and its heartbeat alive. */
  canSend(): boolean;
  /** Whether the transport takes a write right now without queueing it (volatile emits need that). */
  transportWritable(): boolean;
  /** Writes one encoded packet; false when the session can no longer take it (the caller keeps it). */
  write(chunks: readonly EncodedChunk[], compress: boolean): boolean;
  /** The server broke the protocol: drop the connection as a "parse error" (reconnection follows). */
  protocolError(error: Error): void;
}

/** What the Manager tells an attached Socket. @internal */
export interface NamespaceHooks {
  onOpen(): void;
  onPacket(packet: Packet): void;
  onError(error: Error): void;
  onClose(reason: DisconnectReason, description?: DisconnectDescription): void;
  /** The Manager stopped trying (close() or reconnection(false) between attempts): no connection will come. */
  onStopped(): void;
}

/**
 * - inactive: not attached to the Manager (never connected, disconnected by either side, or refused);
 * - waiting: attached, waiting for the Manager's connection (first open or a reconnection);
 * - connecting: the auth step runs or the CONNECT packet is out, waiting for the server's answer;
 * - connected.
 */
type SocketState = "inactive" | "waiting" | "connecting" | "connected";

interface EmitFlags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  signal?: AbortSignal;
}

/** The flags of an emit without compress()/volatile/timeout(): shared, so a plain emit allocates none. */
const NO_FLAGS: Readonly<EmitFlags> = Object.freeze({});

/** Catch-all listener lists are replaced, never changed in place: dispatch needs no snapshot copy. */
const NO_LISTENERS: readonly AnyListener[] = Object.freeze([]);

/** A packet as kept in `sendBuffer`: socket.io-client's shape, with its compression flag. */
interface OutgoingPacket extends Packet {
  options?: { compress?: boolean };
}

/** What the `buffer` limits need to know of a waiting emit. */
interface Waiting {
  /** Date.now() when it was buffered. */
  at: number;
  /** Its encoded size (see sizeOf). */
  bytes: number;
  /** Removes the AbortSignal listener of a `signal()` emit. */
  release?: (() => void) | undefined;
}

/** A packet in `sendBuffer`: its encoding (done at the emit, so bad arguments throw there) and age. */
interface Buffered extends Waiting {
  chunks: readonly EncodedChunk[];
}

/** An emit under the `retries` option: resent until acknowledged, one at a time, in order. */
interface QueuedEmit extends Waiting {
  event: string;
  args: unknown[];
  ack: AckCallback | undefined;
  flags: EmitFlags;
  tries: number;
  /** Sent and waiting for its acknowledgement. */
  pending: boolean;
}

/** A listener added with `{ signal }`: what removes the abort listener once the listener is gone. */
interface SignalBinding {
  ev: string | symbol;
  fn: unknown;
  release: () => void;
}

/** A packet users put in sendBuffer themselves: never expires, counts no bytes. */
const UNKNOWN_AGE: Waiting = Object.freeze({ at: Infinity, bytes: 0 });

/** Reserved events (socket.io-client's and siolink's own): never sent, never taken from the server. */
const isReserved = (event: unknown): boolean => typeof event === "string" && RESERVED_EVENTS.has(event);

/**
 * The size counted by `buffer.maxBytes`: the encoded packet's string chunks by their length (UTF-16 code
 * units, so bytes for ASCII text), binary attachments by their byte length. No second encoding.
 */
function sizeOf(chunks: readonly EncodedChunk[]): number {
  let bytes = 0;
  for (const chunk of chunks) {
    bytes += typeof chunk === "string" ? chunk.length : "size" in chunk ? chunk.size : chunk.byteLength;
  }
  return bytes;
}

function overflowError(): SioError {
  return new SioError("ERR_BUFFER_OVERFLOW", "emit dropped: send buffer full");
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/** The arguments a listener of type L receives (waitFor resolves with them). */
export type ListenerArgs<L> = L extends (...args: infer P) => unknown ? P : never;

type AnySocket = Socket<EventsMap, EventsMap>;

/** A catch-all listener: the event name, then the event's arguments. */
export type AnyListener = { bivarianceHack(event: string, ...args: UntypedArg[]): void }["bivarianceHack"];

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function toError(value: unknown, what: string): Error {
  if (value instanceof Error) return value;
  return new SioError("ERR_ABORTED", `${what}: ${String(value)}`, { cause: value });
}

function count(name: string, value: unknown): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < 0)) {
    throw invalidArg(`${name} must be a non-negative integer, got ${String(value)}`);
  }
}

/** Throws ERR_INVALID_ARG for bad socket options; io() calls it before it creates or opens any Manager. */
export function checkSocketOptions(opts: SocketOptions): void {
  nonNegative("ackTimeout", opts.ackTimeout);
  count("retries", opts.retries);
  const buffer: unknown = opts.buffer;
  if (buffer === undefined) return;
  if (!isObject(buffer)) throw invalidArg(`buffer must be an object, got ${String(buffer)}`);
  count("buffer.maxPackets", buffer.maxPackets);
  count("buffer.maxBytes", buffer.maxBytes);
  nonNegative("buffer.maxAgeMs", buffer.maxAgeMs);
  const overflow = buffer.overflow;
  if (overflow !== undefined && overflow !== "drop-oldest" && overflow !== "drop-newest" && overflow !== "error") {
    throw invalidArg(`buffer.overflow must be drop-oldest, drop-newest or error, got ${String(overflow)}`);
  }
}

/**
 * A connection to one namespace of a Socket.IO server. Create it with `io()` or `manager.socket(nsp)`.
 *
 * @example
 * const socket = io("https://example.com/chat", { auth: { token } });
 * socket.on("connect", () => socket.emit("join", "room-1"));
 * const reply = await socket.timeout(5000).emitWithAck("hello", "world");
 */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends TypedEmitter<ListenEvents, SocketReservedEvents> {
  /** The Manager (connection) this socket rides on: `socket.io.engine`, `socket.io.on("reconnect", ...)`. */
  readonly io: Manager<ListenEvents, EmitEvents>;
  /** The namespace, e.g. "/" or "/admin". */
  readonly nsp: string;
  /** The session id the server gave this namespace connection; undefined while disconnected. */
  id: string | undefined;
  /** True when the last connection restored the previous session (connection state recovery). */
  recovered = false;
  /** Sent with every CONNECT packet: an object, `(cb) => cb(data)`, or an async function returning the data. */
  auth: AuthOption | undefined;
  /** Emits waiting for the connection; sent in order on connect. Assign `[]` to drop them. */
  sendBuffer: Packet[] = [];
  /** Events received before the namespace handshake completed; delivered right after `connect`. */
  receiveBuffer: Array<ReadonlyArray<unknown>> = [];

  #state: SocketState = "inactive";
  readonly #link: ManagerLink;
  readonly #hooks: NamespaceHooks;
  readonly #retries: number;
  readonly #ackTimeout: number | undefined;
  /** Created by the first emit that wants an acknowledgement: many sockets never need one. */
  #acks: AckTable | undefined;
  #flags: Readonly<EmitFlags> = NO_FLAGS;
  /** Bumped whenever a pending auth step must be ignored (disconnect, connection closed, new attempt). */
  #connectAttempt = 0;
  /** Connection state recovery: the server's private session id and the offset of the last event seen. */
  #pid: string | undefined;
  #lastOffset: string | undefined;
  #anyListeners: readonly AnyListener[] = NO_LISTENERS;
  #anyOutgoingListeners: readonly AnyListener[] = NO_LISTENERS;
  #queue: QueuedEmit[] = [];
  /** What sendBuffer's packets carry besides the packet (not on the packet: users may read and copy it). */
  #buffered: WeakMap<Packet, Buffered> | undefined;
  /** The send buffer is being flushed: new emits queue behind it. */
  #flushing = false;
  readonly #limits: BufferOptions | undefined;
  /** The one `buffer.maxAgeMs` timer: set while the socket is active and something waits. */
  #expiryTimer: TimerHandle | undefined;
  #status: SocketStatus = "disconnected";
  /** Connected since the status was last "disconnected": a new attempt is a reconnection. */
  #wasConnected = false;
  /** The Manager stopped trying (gave up, closed, reconnection off): only connect() starts again. */
  #gaveUp = false;
  /** Listeners added with `{ signal }`. */
  #bindings: SignalBinding[] | undefined;

  constructor(io: Manager<ListenEvents, EmitEvents>, nsp: string, opts: SocketOptions = {}) {
    super();
    checkSocketOptions(opts);
    this.io = io;
    this.nsp = nsp;
    this.id = undefined;
    this.auth = opts.auth;
    this.#retries = opts.retries ?? 0;
    this.#ackTimeout = opts.ackTimeout;
    this.#limits = opts.buffer;
    this.#link = io[kManagerLink];
    this.#hooks = new Socket.#Hooks(this as unknown as AnySocket);
    if (this.#link.autoConnect) this.open();
  }

  /**
   * What a Socket hands to the Manager. Nested here so its methods may reach the socket's private members:
   * one small object per socket, its methods shared on the prototype (no closure per socket).
   */
  static readonly #Hooks = class SocketHooks implements NamespaceHooks {
    readonly #socket: AnySocket;

    constructor(socket: AnySocket) {
      this.#socket = socket;
    }

    onOpen(): void {
      this.#socket.#gaveUp = false;
      if (this.#socket.#state === "waiting") this.#socket.#sendConnect();
    }

    onPacket(packet: Packet): void {
      this.#socket.#onPacket(packet);
    }

    onError(error: Error): void {
      if (this.#socket.#state === "connected") return;
      this.#socket.#checkManager();
      this.#socket.#emitReserved("connect_error", error);
    }

    onClose(reason: DisconnectReason, description?: DisconnectDescription): void {
      this.#socket.#onConnectionClosed(reason, description);
    }

    onStopped(): void {
      this.#socket.#gaveUp = true;
      this.#socket.#refreshStatus();
    }
  };

  /** Whether the namespace handshake completed and the connection is up. */
  get connected(): boolean {
    return this.#state === "connected";
  }

  get disconnected(): boolean {
    return this.#state !== "connected";
  }

  /**
   * Whether the socket is trying to be connected: true from connect() until disconnect(), a server-side
   * disconnect or a refusal, including while the Manager reconnects.
   */
  get active(): boolean {
    return this.#state !== "inactive";
  }

  /**
   * siolink: where the connection stands, derived from this socket's and its Manager's state; every change
   * emits `status:change` with `{ from, to }`.
   *
   * @example
   * socket.on("status:change", ({ to }) => banner.show(to === "reconnecting"));
   */
  get status(): SocketStatus {
    return this.#status;
  }

  /** Connects (or reconnects) this namespace; opens the Manager's connection if needed. */
  connect(): this {
    if (this.#state === "connected") return this;
    this.#gaveUp = false;
    if (this.#state === "inactive") {
      this.#link.attach(this.nsp, this.#hooks);
      this.#setState("waiting");
      // A status:change listener may have disconnected us already.
      if (!this.active) return this;
      this.#armExpiry();
    } else {
      this.#refreshStatus();
    }
    // While the Manager waits to reconnect, its timer decides when to try: an extra attempt now would
    // defeat the backoff.
    if (!this.#link.isWaitingToReconnect()) this.#link.open();
    if (this.#state === "waiting" && this.#link.isOpen()) this.#sendConnect();
    return this;
  }

  /** Alias of connect(). */
  open(): this {
    return this.connect();
  }

  /**
   * Leaves the namespace. No automatic reconnection follows; connect() comes back. The Manager closes
   * its connection when this was its last active socket.
   */
  disconnect(): this {
    const wasConnected = this.#state === "connected";
    if (wasConnected) {
      this.#writeControl({ type: PacketType.DISCONNECT, nsp: this.nsp });
    }
    this.#deactivate();
    if (wasConnected) this.#closed("io client disconnect");
    return this;
  }

  /** Alias of disconnect(). */
  close(): this {
    return this.disconnect();
  }

  /** Emits a "message" event. */
  send(...args: UntypedArg[]): this {
    this.#emit("message", args, false);
    return this;
  }

  /**
   * Emits an event. When the last argument is a function, it is called with the server's acknowledgement.
   * Emits made while disconnected are buffered and sent in order once connected (unless volatile).
   *
   * @throws SioError ERR_INVALID_ARG for a reserved event name or arguments the parser cannot encode.
   * @example
   * socket.emit("hello", "world", (reply) => console.log(reply));
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EmitArgs<EmitEvents, Ev>): this {
    this.#emit(ev as string, args, false);
    return this;
  }

  /**
   * Emits an event and resolves with the server's acknowledgement. Rejects on timeout (with `timeout()` or
   * the `ackTimeout` option) and when the connection drops after the packet was sent.
   *
   * @example
   * const reply = await socket.timeout(5000).emitWithAck("hello", "world");
   */
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<AckResult<EmitEvents, Ev>> {
    return new Promise((resolve, reject) => {
      const settle: AckCallback = (err, value) => {
        if (err != null) reject(err);
        else resolve(value as AckResult<EmitEvents, Ev>);
      };
      this.#emit(ev as string, [...(args as unknown[]), settle], true);
    });
  }

  /** Sets whether the next emit is compressed (default true). */
  compress(compress: boolean): this {
    this.#flags = { ...this.#flags, compress };
    return this;
  }

  /** The next emit is dropped instead of buffered when it cannot go out at once. */
  get volatile(): this {
    this.#flags = { ...this.#flags, volatile: true };
    return this;
  }

  /**
   * The next emit's acknowledgement fails after `timeout` ms; its callback becomes error-first.
   *
   * @example
   * socket.timeout(5000).emit("hello", (err, reply) => { if (err) console.log("no reply in time"); });
   */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    nonNegative("timeout", timeout);
    this.#flags = { ...this.#flags, timeout };
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  /**
   * siolink: the next emit can be cancelled through `signal`. Aborting removes it from the offline buffer
   * if it is still there (`buffer:drop` with reason "aborted"), and fails its acknowledgement with an
   * AbortError (a late reply is ignored); an already aborted signal fails it at once, unsent. The callback
   * becomes error-first, as with timeout(); both flags combine in either order.
   *
   * @example
   * const reply = await socket.timeout(5000).signal(controller.signal).emitWithAck("search", query);
   */
  signal(signal: AbortSignal): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    if (typeof signal?.addEventListener !== "function") throw invalidArg("signal must be an AbortSignal");
    this.#flags = { ...this.#flags, signal };
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
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
      const timers = this.#link.timers;
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
        timer = timers.setTimeout(() => settle(new TimeoutError(`no "${String(ev)}" event in ${timeout} ms`)), timeout);
        this.#link.unref(timer);
      }
    });
  }

  /**
   * siolink: measures a round trip through the server, in ms: emits `event` (default "ping") with an
   * acknowledgement and times it until the reply. The server needs a handler answering it, e.g.
   * `socket.on("ping", (ack) => ack())`. This is the user-level latency: network both ways plus the
   * server's event loop and handler, not the transport's heartbeat. Rejects with ERR_INVALID_STATE when not
   * connected, a TimeoutError after `timeout` ms (default: `ackTimeout`, else 10 s), an AbortError on abort.
   *
   * @example
   * const ms = await socket.ping("ping", { timeout: 2000 });
   */
  ping(event = "ping", options: PingOptions = {}): Promise<number> {
    if (!this.connected) return Promise.reject(invalidState(`cannot ping: socket is ${this.#status}`));
    const clock = globalThis.performance ?? Date;
    let socket = this.timeout(options.timeout ?? this.#ackTimeout ?? 10_000) as unknown as Socket;
    if (options.signal) socket = socket.signal(options.signal);
    const start = clock.now();
    return socket.emitWithAck(event).then(() => clock.now() - start);
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

  /** Adds a listener called for every outgoing event (acknowledgement callbacks excluded), when it is sent. */
  onAnyOutgoing(listener: AnyListener): this {
    this.#anyOutgoingListeners = [...this.#anyOutgoingListeners, listener];
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    this.#anyOutgoingListeners = [listener, ...this.#anyOutgoingListeners];
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    this.#anyOutgoingListeners = removeListener(this.#anyOutgoingListeners, listener);
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return [...this.#anyOutgoingListeners];
  }

  // -------------------------------------------------------------------------------------------------------
  // State

  /** Callers change state last: a status:change listener may call connect() or disconnect() again. */
  #setState(next: SocketState): void {
    this.#state = next;
    if (next === "connected") this.#wasConnected = true;
    this.#refreshStatus();
  }

  #refreshStatus(): void {
    const state = this.#state;
    const to: SocketStatus =
      state === "connected"
        ? "connected"
        : state === "inactive" || this.#gaveUp
          ? "disconnected"
          : this.#wasConnected
            ? "reconnecting"
            : "connecting";
    const from = this.#status;
    if (to === from) return;
    this.#status = to;
    if (to === "disconnected") this.#wasConnected = false;
    this.#emitReserved("status:change", { from, to });
  }

  /**
   * The Manager lost or failed a connection: it decides whether to try again right after telling its
   * sockets (no listener on it needed), so its verdict is read a microtask later.
   */
  #checkManager(): void {
    queueMicrotask(() => {
      const state = this.io.state;
      if (this.active && (state === "closed" || state === "idle")) {
        this.#gaveUp = true;
        this.#refreshStatus();
      }
    });
  }

  /** Detaches from the Manager; pending auth steps are ignored from now on. */
  #deactivate(): void {
    if (this.#state === "inactive") return;
    this.#connectAttempt++;
    this.#clearExpiry();
    this.#link.detach(this.nsp, this.#hooks);
    this.#setState("inactive");
  }

  /** The Manager's connection closed under us: wait for the next one (the Manager decides when). */
  #onConnectionClosed(reason: DisconnectReason, description?: DisconnectDescription): void {
    const previous = this.#state;
    if (previous === "inactive") return;
    this.#connectAttempt++;
    // Whether the Manager will try again, known before it says so: no "reconnecting" flash when it won't.
    const io = this.io;
    this.#gaveUp = reason === "io client disconnect" || !io.reconnection() || io.reconnectionAttempts() < 1;
    this.#checkManager();
    this.#setState("waiting");
    if (previous === "connected") {
      this.#closed(reason, description);
    } else if (previous === "connecting") {
      // The namespace handshake was cut short: a failed connection attempt, not a disconnection (a
      // "disconnect" is always preceded by its "connect"). socket.io-client emits "disconnect" here.
      const error =
        description instanceof Error
          ? description
          : new TransportError(`the connection closed before the namespace connected (${reason})`, description);
      this.#emitReserved("connect_error", error);
    }
  }

  /** Common end of every disconnection: forget the id, tell listeners, fail acknowledgements in flight. */
  #closed(reason: DisconnectReason, description?: DisconnectDescription): void {
    this.id = undefined;
    if (description === undefined) this.#emitReserved("disconnect", reason);
    else this.#emitReserved("disconnect", reason, description);
    if (this.#acks === undefined || this.#acks.size === 0) return;
    // Packets still in sendBuffer were never sent: their acknowledgements wait for the next connection.
    const unsent = new Set(this.sendBuffer.map((packet) => packet.id));
    this.#acks.failAll(invalidState("socket has been disconnected"), (id) => unsent.has(id));
  }

  #emitReserved<Ev extends keyof SocketReservedEvents>(ev: Ev, ...args: Parameters<SocketReservedEvents[Ev]>): void {
    emitLocally(this, ev, args);
  }

  // -------------------------------------------------------------------------------------------------------
  // Namespace handshake

  #sendConnect(): void {
    this.#setState("connecting");
    const attempt = ++this.#connectAttempt;
    const session = this.#link.session();
    let settled = false;
    const current = (): boolean =>
      attempt === this.#connectAttempt &&
      this.#state === "connecting" &&
      this.#link.session() === session &&
      this.#link.isOpen();
    const proceed = (data: unknown): void => {
      if (settled) return;
      settled = true;
      if (current()) this.#writeConnect(data);
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      if (current()) this.#authFailed(toError(error, "the auth function failed"));
    };

    const auth = this.auth;
    if (typeof auth !== "function") {
      proceed(auth);
      return;
    }
    try {
      const result: unknown = auth(proceed);
      // A function taking no callback gives its data as its (possibly async) result; one taking the
      // callback may still be async, and then only its failure matters.
      const usesResult = auth.length === 0;
      if (isThenable(result)) {
        result.then((data) => {
          if (usesResult || data !== undefined) proceed(data);
        }, fail);
      } else if (usesResult && result !== undefined) {
        proceed(result);
      }
    } catch (error) {
      fail(error);
    }
  }

  #writeConnect(auth: unknown): void {
    let data = auth;
    if (this.#pid !== undefined) {
      // Recovery: tell the server which session to restore and the last event we saw. The user's auth
      // fields win on a clash, as in socket.io-client.
      data = { pid: this.#pid, offset: this.#lastOffset, ...(isObject(auth) ? auth : {}) };
    }
    let chunks: EncodedChunk[];
    try {
      chunks = this.#link.encode({ type: PacketType.CONNECT, nsp: this.nsp, data });
    } catch (error) {
      this.#authFailed(toError(error, "invalid auth data"));
      return;
    }
    // On failure the session is closing: its close event puts us back to waiting.
    this.#link.write(chunks, true);
  }

  /** The auth step failed: like a refusal, report it and stop (no reconnection loop on bad credentials). */
  #authFailed(error: Error): void {
    this.#deactivate();
    this.#emitReserved("connect_error", error);
  }

  #onPacket(packet: Packet): void {
    switch (packet.type) {
      case PacketType.CONNECT:
        this.#onConnectReply(packet.data);
        break;
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.#onEvent(packet);
        break;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        if (typeof packet.id === "number" && Array.isArray(packet.data)) this.#acks?.resolve(packet.id, packet.data);
        break;
      case PacketType.DISCONNECT:
        this.#onServerDisconnect();
        break;
      case PacketType.CONNECT_ERROR:
        this.#onRefused(packet.data);
        break;
    }
  }

  #onConnectReply(data: unknown): void {
    if (this.#state !== "connecting") return;
    const sid = isObject(data) ? data.sid : undefined;
    if (typeof sid !== "string" || sid === "") {
      // A protocol violation: the Manager drops the connection ("parse error"); this socket gets the error
      // as its connect_error, and the reconnection loop takes over.
      this.#link.protocolError(
        new ProtocolError("CONNECT reply has no session id: Socket.IO v2 servers are not supported"),
      );
      return;
    }
    const pid = isObject(data) && typeof data.pid === "string" ? data.pid : undefined;
    this.id = sid;
    this.recovered = pid !== undefined && pid === this.#pid;
    this.#pid = pid;
    this.#setState("connected");

    this.#clearExpiry();
    this.#expire();
    this.#flushSendBuffer();
    this.#drainQueue(true);
    this.#armExpiry();
    // An outgoing listener may have disconnected us (TypeScript keeps the narrowing of #state: re-read it).
    if (!this.connected) return;
    this.#emitReserved("connect");
    this.#flushReceiveBuffer();
  }

  #onServerDisconnect(): void {
    const previous = this.#state;
    if (previous === "inactive") return;
    this.#deactivate();
    if (previous === "connected") this.#closed("io server disconnect");
    // Before our CONNECT was answered, it is a refusal (a "disconnect" always follows a "connect").
    else this.#emitReserved("connect_error", new ConnectError("the server closed the namespace before it connected", undefined));
  }

  #onRefused(data: unknown): void {
    // Only an answer to our CONNECT: a refusal out of the blue (while connected) is ignored.
    if (this.#state !== "connecting") return;
    let message = "the server refused the connection";
    if (isObject(data) && typeof data.message === "string") message = data.message;
    else if (typeof data === "string") message = data;
    const error = new ConnectError(message, isObject(data) ? data.data : undefined);
    // Refused: stop here. Buffered emits and their acknowledgements stay for a later connect().
    this.#deactivate();
    this.#emitReserved("connect_error", error);
  }

  // -------------------------------------------------------------------------------------------------------
  // Incoming events

  #onEvent(packet: Packet): void {
    if (!Array.isArray(packet.data) || packet.data.length === 0) return;
    // A server cannot fire "connect", "disconnect"... listeners: those names are the client's own.
    if (isReserved(packet.data[0])) return;
    let args = packet.data as unknown[];
    // Listeners get the arguments spread, never this array, so it is only copied to add the replier or to
    // be kept in receiveBuffer.
    if (typeof packet.id === "number") args = [...args, this.#replier(packet.id)];
    if (this.#state === "connected") this.#deliver(args);
    else this.receiveBuffer.push(Object.freeze(args === packet.data ? [...args] : args));
  }

  #flushReceiveBuffer(): void {
    while (this.receiveBuffer.length > 0 && this.#state === "connected") {
      const args = this.receiveBuffer.shift() as ReadonlyArray<unknown>;
      try {
        this.#deliver(args);
      } catch (error) {
        rethrowLater(error);
      }
    }
  }

  #deliver(args: ReadonlyArray<unknown>): void {
    const last = args[args.length - 1];
    // With recovery on, the server appends each event's offset as its last argument.
    if (this.#pid !== undefined && typeof last === "string") this.#lastOffset = last;
    for (const listener of this.#anyListeners) {
      (listener as (...a: unknown[]) => void).apply(this, args as unknown[]);
    }
    emitWithName(this, args);
  }

  /** The function handed to listeners of an event the server wants acknowledged; it answers once. */
  #replier(id: number): (...args: unknown[]) => void {
    let sent = false;
    const session = this.#link.session();
    return (...args: unknown[]) => {
      if (sent) return;
      // A reply after a reconnection would reach a server socket that no longer waits for it.
      if (this.#state !== "connected" || this.#link.session() !== session) {
        sent = true;
        return;
      }
      const chunks = this.#link.encode({ type: PacketType.ACK, nsp: this.nsp, id, data: args });
      sent = true;
      if (this.#link.canSend()) this.#link.write(chunks, true);
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // Outgoing events

  #emit(event: string, args: unknown[], errorFirstAck: boolean): void {
    const flags = this.#flags;
    this.#flags = NO_FLAGS;
    if (isReserved(event)) {
      throw invalidArg(`"${event}" is a reserved event name`);
    }
    const signal = flags.signal;
    if (signal?.aborted) {
      // Never sent; the callback (error-first under signal()) learns why, asynchronously as for any failure.
      const ack = args[args.length - 1];
      if (typeof ack === "function") queueMicrotask(() => (ack as AckCallback)(abortError(signal)));
      return;
    }
    if (this.#retries > 0 && !flags.volatile) {
      this.#enqueue(event, args, flags);
      return;
    }
    this.#emitNow(event, args, flags, errorFirstAck);
  }

  #emitNow(event: string, args: unknown[], flags: Readonly<EmitFlags>, errorFirstAck: boolean): void {
    const data: unknown[] = [event, ...args];
    let ack: AckCallback | undefined;
    if (typeof data[data.length - 1] === "function" && data.length > 1) ack = data.pop() as AckCallback;
    const compress = flags.compress !== false;
    const packet: OutgoingPacket = { type: PacketType.EVENT, nsp: this.nsp, data, options: compress ? COMPRESSED : UNCOMPRESSED };
    let acks: AckTable | undefined;
    const timeoutMs = flags.timeout ?? this.#ackTimeout;
    const signal = flags.signal;
    const withError = errorFirstAck || timeoutMs !== undefined || signal !== undefined;
    let release: (() => void) | undefined;
    if (signal !== undefined) {
      const onAbort = (): void => {
        const error = abortError(signal);
        const index = this.sendBuffer.indexOf(packet);
        if (index !== -1) this.#dropAt(this.sendBuffer, index, "aborted", error);
        else if (packet.id !== undefined) this.#acks?.fail(packet.id, error);
      };
      release = () => signal.removeEventListener("abort", onAbort);
      signal.addEventListener("abort", onAbort);
      if (ack !== undefined) {
        const settle = ack;
        ack = (...reply) => {
          (release as () => void)();
          settle(...reply);
        };
      }
    }
    if (ack !== undefined) {
      acks = this.#ackTable();
      packet.id = acks.register(ack, withError, timeoutMs);
    }
    const forget = (): void => {
      release?.();
      if (packet.id !== undefined) acks?.cancel(packet.id);
    };

    let chunks: EncodedChunk[];
    try {
      chunks = this.#link.encode(packet);
    } catch (error) {
      forget();
      throw error;
    }

    if (flags.volatile) {
      const sent =
        this.#state === "connected" &&
        !this.#flushing &&
        this.sendBuffer.length === 0 &&
        this.#link.transportWritable() &&
        this.#transmit(data, chunks, compress);
      // Dropped: a plain callback could never be called, so forget it now; an error-first one keeps its
      // timeout (or fails at the next disconnection) as in socket.io-client.
      if (!sent && packet.id !== undefined && !withError) acks?.cancel(packet.id);
      if (packet.id === undefined) release?.();
      return;
    }

    if (this.#state === "connected" && !this.#flushing) {
      // Never overtake what is still buffered.
      if (this.sendBuffer.length > 0) this.#flushSendBuffer();
      if (this.sendBuffer.length === 0 && this.#transmit(data, chunks, compress)) {
        if (packet.id === undefined) release?.();
        return;
      }
    }
    packet.options = { compress };
    const buffered: Buffered = { chunks, at: Date.now(), bytes: sizeOf(chunks), release };
    (this.#buffered ??= new WeakMap()).set(packet, buffered);
    // Under `retries` the queue holds the waiting emits; this is the one in flight, never dropped.
    if (this.#retries === 0) {
      let fits: boolean;
      try {
        fits = this.#fits(buffered.bytes);
      } catch (error) {
        forget();
        throw error;
      }
      if (!fits) {
        this.#dropped(packet, "overflow", overflowError());
        return;
      }
    }
    this.sendBuffer.push(packet);
    this.#armExpiry();
  }

  // -------------------------------------------------------------------------------------------------------
  // Offline buffer limits (the `buffer` option)

  /**
   * The list the limits apply to and the index of its first waiting entry: sendBuffer, or under `retries`
   * the queue, whose head may be in flight (sent at least once): that one is never dropped.
   */
  #waitList(): [Array<Packet | QueuedEmit>, number] {
    if (this.#retries === 0) return [this.sendBuffer, 0];
    const queue = this.#queue;
    return [queue, queue.length > 0 && (queue[0] as QueuedEmit).tries > 0 ? 1 : 0];
  }

  #info(item: Packet | QueuedEmit): Waiting {
    return "tries" in item ? item : (this.#buffered?.get(item) ?? UNKNOWN_AGE);
  }

  /**
   * Makes room for one more waiting emit of `bytes` bytes under the `buffer` limits, dropping the oldest
   * ones if that is the policy: false when the new emit must be dropped instead. Throws for "error".
   */
  #fits(bytes: number): boolean {
    const limits = this.#limits;
    if (limits === undefined) return true;
    const { maxPackets = Infinity, maxBytes = Infinity, overflow } = limits;
    const over = (): boolean => {
      const [list, from] = this.#waitList();
      let total = bytes;
      // Only walked when maxBytes is set: the buffer it bounds stays small.
      if (maxBytes !== Infinity) for (let i = from; i < list.length; i++) total += this.#info(list[i] as Packet).bytes;
      return list.length - from >= maxPackets || total > maxBytes;
    };
    if (!over()) return true;
    if (overflow === "error") throw overflowError();
    if (overflow === "drop-newest" || bytes > maxBytes || maxPackets < 1) return false;
    do {
      const [list, from] = this.#waitList();
      if (from >= list.length) return false;
      this.#dropAt(list, from, "overflow", overflowError());
    } while (over());
    return true;
  }

  /** Takes a waiting entry out of its list and reports it dropped. */
  #dropAt(list: Array<Packet | QueuedEmit>, index: number, reason: BufferDropReason, error: Error): void {
    this.#dropped(list.splice(index, 1)[0] as Packet | QueuedEmit, reason, error);
  }

  /** Reports an emit that will never be sent: a `buffer:drop` event, then its acknowledgement fails. */
  #dropped(item: Packet | QueuedEmit, reason: BufferDropReason, error: Error): void {
    const queued = "tries" in item;
    const data = queued ? [item.event, ...item.args] : (item.data as unknown[]);
    this.#emitReserved("buffer:drop", { reason, event: String(data[0]), args: data.slice(1), error });
    if (queued) this.#settleQueued(item, [error]);
    else {
      this.#info(item).release?.();
      if (item.id !== undefined) this.#acks?.fail(item.id, error);
    }
  }

  /** Drops what waited longer than `buffer.maxAgeMs`; returns when the oldest remaining one expires. */
  #expire(): number {
    const maxAge = this.#limits?.maxAgeMs;
    if (maxAge === undefined) return Infinity;
    const now = Date.now();
    let next = Infinity;
    const [list, from] = this.#waitList();
    for (let i = from; i < list.length; ) {
      const expiry = this.#info(list[i] as Packet).at + maxAge;
      if (expiry > now) {
        next = Math.min(next, expiry);
        i++;
      } else {
        this.#dropAt(list, i, "expired", new SioError("ERR_EXPIRED", `emit dropped: buffered over ${maxAge} ms`));
      }
    }
    return next;
  }

  /** One timer for the whole buffer, set for its oldest entry, only while the socket is active. */
  #armExpiry(): void {
    if (this.#expiryTimer !== undefined || this.#limits?.maxAgeMs === undefined || !this.active) return;
    const next = this.#expire();
    if (next === Infinity) return;
    this.#expiryTimer = this.#link.timers.setTimeout(() => {
      this.#expiryTimer = undefined;
      this.#armExpiry();
    }, next - Date.now());
    this.#link.unref(this.#expiryTimer);
  }

  #clearExpiry(): void {
    this.#link.timers.clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
  }

  #ackTable(): AckTable {
    this.#acks ??= new AckTable({
      timers: this.#link.timers,
      unref: (handle) => this.#link.unref(handle),
      onTimeout: (id) => this.#dropUnsent(id),
    });
    return this.#acks;
  }

  /** Writes a packet now if the session takes it, then tells the outgoing catch-all listeners. */
  #transmit(data: unknown, chunks: readonly EncodedChunk[], compress: boolean): boolean {
    if (!this.#link.canSend()) return false;
    if (!this.#link.write(chunks, compress)) return false;
    if (this.#anyOutgoingListeners.length > 0 && Array.isArray(data)) {
      for (const listener of this.#anyOutgoingListeners) {
        (listener as (...a: unknown[]) => void).apply(this, data as unknown[]);
      }
    }
    return true;
  }

  /** Sends what was emitted while disconnected, in order; stops (keeping the rest) if the session goes. */
  #flushSendBuffer(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      // Emits made by listeners during the flush are appended to the new buffer and go out after it.
      while (this.connected && this.sendBuffer.length > 0) {
        const pending = this.sendBuffer;
        this.sendBuffer = [];
        let done = 0;
        while (done < pending.length && this.connected && this.#sendBuffered(pending[done] as OutgoingPacket)) done++;
        if (done < pending.length) {
          this.sendBuffer = pending.slice(done).concat(this.sendBuffer);
          return;
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** False when the session cannot take the packet now (it stays buffered). */
  #sendBuffered(packet: OutgoingPacket): boolean {
    const buffered = this.#buffered?.get(packet);
    let chunks = buffered?.chunks;
    if (chunks === undefined) {
      // A packet put there by user code: encode it now, and drop it if it cannot be.
      try {
        chunks = this.#link.encode({ ...packet, nsp: this.nsp });
      } catch (error) {
        rethrowLater(error);
        return true;
      }
    }
    if (!this.#transmit(packet.data, chunks, packet.options?.compress !== false)) return false;
    // Sent: an abort now only matters to its acknowledgement, whose settling releases the signal.
    if (packet.id === undefined) buffered?.release?.();
    return true;
  }

  /** An acknowledgement timed out before its packet could be sent: never send it. */
  #dropUnsent(id: number): void {
    const index = this.sendBuffer.findIndex((packet) => packet.id === id);
    if (index !== -1) this.sendBuffer.splice(index, 1);
  }

  /** DISCONNECT: sent now or not at all (it means nothing on a later connection). */
  #writeControl(packet: Packet): void {
    if (!this.#link.canSend()) return;
    this.#link.write(this.#link.encode(packet), true);
  }

  // -------------------------------------------------------------------------------------------------------
  // Retries: at-least-once delivery, one emit in flight at a time

  #enqueue(event: string, args: unknown[], emitFlags: EmitFlags): void {
    let ack: AckCallback | undefined;
    let payload = args;
    if (typeof args[args.length - 1] === "function") {
      ack = args[args.length - 1] as AckCallback;
      payload = args.slice(0, -1);
    }
    // Encode once now so that unencodable arguments throw at the emit, not at some later retry.
    const chunks = this.#link.encode({ type: PacketType.EVENT, nsp: this.nsp, data: [event, ...payload], id: 0 });
    // The signal applies to the whole queued emit, not to each try.
    const { signal, ...flags } = emitFlags;
    const entry: QueuedEmit = { event, args: payload, ack, flags, tries: 0, pending: false, at: Date.now(), bytes: sizeOf(chunks) };
    // Sent at once when nothing is queued and we are connected: only an emit that will wait must fit.
    if ((this.#state !== "connected" || this.#queue.length > 0) && !this.#fits(entry.bytes)) {
      this.#dropped(entry, "overflow", overflowError());
      return;
    }
    if (signal !== undefined) {
      const onAbort = (): void => {
        const index = this.#queue.indexOf(entry);
        if (index === -1) return;
        const error = abortError(signal);
        if (entry.tries === 0) {
          this.#dropAt(this.#queue, index, "aborted", error);
          return;
        }
        // In flight: give up on it (a late reply is ignored) and let the next one go.
        this.#queue.splice(index, 1);
        this.#settleQueued(entry, [error]);
        this.#drainQueue(false);
      };
      signal.addEventListener("abort", onAbort);
      entry.release = () => signal.removeEventListener("abort", onAbort);
    }
    this.#queue.push(entry);
    this.#drainQueue(false);
    this.#armExpiry();
  }

  #drainQueue(force: boolean): void {
    while (this.#state === "connected" && this.#queue.length > 0) {
      const entry = this.#queue[0] as QueuedEmit;
      if (entry.pending && !force) return;
      entry.pending = true;
      entry.tries++;
      const onReply: AckCallback = (err, ...reply) => this.#onQueuedReply(entry, err, reply);
      try {
        this.#emitNow(entry.event, [...entry.args, onReply], entry.flags, true);
        return;
      } catch (error) {
        this.#queue.shift();
        this.#settleQueued(entry, [error]);
      }
    }
  }

  #onQueuedReply(entry: QueuedEmit, err: unknown, reply: unknown[]): void {
    if (this.#queue[0] !== entry) return;
    entry.pending = false;
    if (err != null) {
      if (entry.tries <= this.#retries) {
        this.#drainQueue(false);
        return;
      }
      this.#queue.shift();
      this.#settleQueued(entry, [err]);
    } else {
      this.#queue.shift();
      this.#settleQueued(entry, [null, ...reply]);
    }
    this.#drainQueue(false);
  }

  #settleQueued(entry: QueuedEmit, args: unknown[]): void {
    entry.release?.();
    if (entry.ack === undefined) return;
    try {
      entry.ack(...args);
    } catch (error) {
      // The next queued emit must still go out.
      rethrowLater(error);
    }
  }
}

function removeListener(listeners: readonly AnyListener[], listener: AnyListener | undefined): readonly AnyListener[] {
  if (listener === undefined) return NO_LISTENERS;
  const index = listeners.indexOf(listener);
  if (index === -1) return listeners;
  const copy = [...listeners];
  copy.splice(index, 1);
  return copy;
}

// component-emitter's other names for off(): they must release `{ signal }` bindings too.
const proto = Socket.prototype as unknown as Record<string, unknown>;
proto.removeListener = proto.removeAllListeners = proto.removeEventListener = proto.off;
