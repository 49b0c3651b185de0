// One namespace on a Manager's connection: the Socket users emit on and listen to (socket.io-client's API).
// One object per socket, one class: its listener API (on/once/off, onAny, waitFor; helpers in listeners.ts),
// its sending half (the emit path, its queue and the acknowledgements; helpers in outbox.ts), the state
// machine and status, the namespace handshake, incoming packets and the public emit API. (One class rather
// than a chain: every member the halves share is #private, so minified to a short name.)

import { isObject, PacketType, type EncodedChunk, type Packet } from "./codec/packet";
import { ConnectError, invalidArg, invalidState, nonNegative, ProtocolError, SioError, TimeoutError, TransportError } from "./errors";
import { CLIENT_ID_KEY, newClientId } from "./exactly-once";
import { RESERVED_EVENTS } from "./internal/constants";
import { emitLocally, emitterOff, TypedEmitter } from "./internal/emitter";
import { call, rethrowLater } from "./internal/subscriptions";
import type { TimerHandle } from "./internal/timers";
import type { ManagerLink, NamespaceHooks } from "./link";
import { abortError, NO_LISTENERS, whenAborted, withoutListener, type AnyListener, type Fn, type ListenerArgs } from "./listeners";
import type { Manager } from "./manager";
import {
  checkSocketOptions,
  EMPTY,
  FLUSHING,
  HOLDING,
  IDLE,
  MAX_TIMER_DELAY,
  overflowError,
  QUEUED,
  size,
  type AckCallback,
  type EmitFlags,
  type OutgoingPacket,
  type Queued,
} from "./outbox";
import type {
  AckResult,
  AllButLast,
  AnyEventListener,
  AuthOption,
  BufferDropReason,
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
  UntypedArg,
  WaitForOptions,
} from "./types";
import { DEV } from "./internal/dev";

export { emitLocally, TypedEmitter } from "./internal/emitter";
export type { ManagerLink, NamespaceHooks } from "./link";
export type { AnyListener, ListenerArgs } from "./listeners";
export { checkSocketOptions } from "./outbox";

/**
 * Where a Socket stands on its Manager:
 * - INACTIVE: not attached to the Manager (never connected, disconnected by either side, or refused);
 * - WAITING: attached, waiting for the Manager's connection (first open or a reconnection);
 * - CONNECTING: the auth step runs or the CONNECT packet is out, waiting for the server's answer;
 * - CONNECTED.
 */
const INACTIVE = 0;
const WAITING = 1;
const CONNECTING = 2;
const CONNECTED = 3;


/** A CONNECT or CONNECT_ERROR packet's data, read field by field. */
type Fields = { readonly [key: string]: unknown } | null | undefined;


/** An Error as it is, anything else wrapped in an ERR_ABORTED SioError saying `what` failed. */
const toError = (value: unknown, what: string): Error =>
  value instanceof Error ? value : new SioError("ERR_ABORTED", DEV ? `${what}: ${String(value)}` : `${what} ${String(value)}`, { cause: value });

/**
 * A connection to one namespace of a Socket.IO server. Create it with `io()` or `manager.socket(nsp)`.
 *
 * @example
 * const socket = io("https://example.com/chat", { auth: { token } });
 * socket.on("connect", () => socket.emit("join", "room-1"));
 * const reply = await socket.timeout(5000).emitWithAck("hello", "world");
 */
export class Socket<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents> extends TypedEmitter<ListenEvents, SocketReservedEvents> {
  /** The Manager (connection) this socket rides on: `socket.io.engine`, `socket.io.on("reconnect", ...)`. */
  declare readonly io: Manager<ListenEvents, EmitEvents>;
  /** The namespace, e.g. "/" or "/admin". */
  declare readonly nsp: string; // declare (io, nsp, auth): set in the constructor, no field definitions before
  /** The session id the server gave this namespace connection; undefined while disconnected. */
  id: string | undefined = undefined;
  /** True when the last connection restored the previous session (connection state recovery). */
  recovered = false;
  /** Sent with every CONNECT packet: an object, `(cb) => cb(data)`, or an async function returning the data. */
  declare auth: AuthOption | undefined;

  #state = INACTIVE;
  #status: SocketStatus = "disconnected";
  /** Bumped by each auth step and when it settles: a superseded or settled step is ignored (state and session checked too). */
  #attempt = 0;
  /**
   * Made only for the sockets that use them: connection state recovery (the server's private session id, the
   * offset of the last event seen) and exactlyOnce (the socket's id sent with every CONNECT, src/exactly-once.ts).
   */
  #ids: { pid?: string | undefined; offset?: string | undefined; client?: string } | undefined;
  /** The array behind receiveBuffer, made on first use. */
  #received: Array<ReadonlyArray<unknown>> | undefined;

  constructor(io: Manager<ListenEvents, EmitEvents>, nsp: string, opts: SocketOptions = {}) {
    checkSocketOptions(opts);
    super();
    // Kept only when it sets what is read later: the caller's object (often a fresh literal per io() call, with
    // the Manager's options too) need not live as long as the socket.
    this.opts = opts.ackTimeout === undefined && !opts.retries && !opts.buffer ? EMPTY : opts;
    this.io = io;
    this.nsp = nsp;
    this.auth = opts.auth;
    if (opts.exactlyOnce) this.#ids = { client: newClientId() };
    if (io._autoConnect) this.open();
  }

  /** Events received before the namespace handshake completed; delivered right after `connect`. */
  get receiveBuffer(): Array<ReadonlyArray<unknown>> {
    return (this.#received ??= []);
  }

  set receiveBuffer(buffer: Array<ReadonlyArray<unknown>>) {
    this.#received = buffer;
  }

  // -------------------------------------------------------------------------------------------------------
  // Listening (helpers in src/listeners.ts): component-emitter's on/once/off with siolink's `{ signal }`
  // option, the catch-all listeners of incoming events (onAny family), waitFor(), and the dispatch of a
  // received event to all of them.

  #anyListeners = NO_LISTENERS;
  /** Listeners added with `{ signal }`: [event, listener, release of its abort listener]. */
  #bound: Array<[unknown, unknown, () => void]> | undefined;

  /**
   * @internal Calls the catch-all listeners, then the listeners of the event (`args[0]`), as component-emitter's
   * emit would (same table, same order, listeners added meanwhile wait for the next event), without its copies
   * on the receive path: the arguments are sliced once, and the listener list is only copied when it has
   * several (a once() listener removes itself while they run).
   */
  #dispatch(args: readonly unknown[]): void {
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
  waitFor<E extends ReservedOrUserEventNames<SocketReservedEvents, ListenEvents>>(ev: E, options: WaitForOptions = {}): Promise<ListenerArgs<ReservedOrUserListener<SocketReservedEvents, ListenEvents, E>>> {
    const { signal, timeout } = options;
    nonNegative("timeout", timeout);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const link = this.io as unknown as ManagerLink;
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

  // -------------------------------------------------------------------------------------------------------
  // Sending (helpers in src/outbox.ts): the emit path (acknowledgement, signal, volatile), the
  // acknowledgement table, and one queue, `sendBuffer`, for what waits: emits made while disconnected and,
  // under `retries` (at-least-once, one emit in flight at a time), the emits queued behind the one in flight.
  // The `buffer` limits (count, bytes, age) and their drop events apply to that queue.

  /** The queue behind sendBuffer: made on first use, as most sockets never queue anything. */
  #buffer: Packet[] | undefined;
  /** @internal The socket's options (ackTimeout, retries, exactlyOnce, buffer). */
  protected readonly opts: SocketOptions;
  /** Listeners called for every outgoing event when it is sent (onAnyOutgoing); replaced, never changed. */
  #outgoing = NO_LISTENERS;
  /**
   * Pending acknowledgements by packet id, created by the first emit that wants one: the emit's record, a plain
   * emit's under its id, a retried emit's under the id of its try in flight.
   */
  #acks: Map<number, Queued> | undefined;
  #nextId = 0;
  /** Under `retries`: the emit sent at least once, out of the queue; resent until answered or out of tries. */
  #inflight: Packet | undefined;
  #phase: number = IDLE;
  /** The one `buffer.maxAgeMs` timer: set while the socket is active and something waits. */
  #expiry: TimerHandle | undefined;
  /** The flags of the next emit; a plain emit shares one empty object, so it allocates none. */
  #flags = EMPTY as EmitFlags;

  /** Emits waiting for the connection; sent in order on connect. Assign `[]` to drop them. */
  get sendBuffer(): Packet[] {
    return (this.#buffer ??= []);
  }

  set sendBuffer(buffer: Packet[]) {
    this.#buffer = buffer;
  }

  /** Adds a listener called for every outgoing event (acknowledgement callbacks excluded), when it is sent. */
  onAnyOutgoing(listener: AnyListener): this {
    this.#outgoing = [...this.#outgoing, listener];
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    this.#outgoing = [listener, ...this.#outgoing];
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    this.#outgoing = withoutListener(this.#outgoing, listener);
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return [...this.#outgoing];
  }

  /** @internal Adds to the flags of the next emit (compress(), volatile, timeout(), signal()). */
  #flag(flags: EmitFlags): this {
    // Not a spread: V8 (Node 20) gives `{ ...a, ...b }` a hidden class of its own per call once optimised,
    // about 1 µs on every socket.timeout(ms).emit().
    this.#flags = Object.assign({}, this.#flags, flags);
    return this;
  }

  /**
   * @internal Sends, queues or drops one emit (`args` ends with its callback, if any) under the flags set
   * for it. Throws ERR_INVALID_ARG for a reserved event name or when the parser cannot encode it,
   * ERR_BUFFER_OVERFLOW when it does not fit.
   */
  #queue(event: string, args: unknown[], errorFirst?: boolean): void {
    const flags = this.#flags;
    this.#flags = EMPTY;
    // Reserved events (socket.io-client's and siolink's own) are never sent, and never taken from the server.
    if (RESERVED_EVENTS.has(event)) throw invalidArg(DEV ? `"${event}" is a reserved event name` : event);
    const { signal, volatile, timeout = this.opts.ackTimeout } = flags;
    const ack = typeof args[args.length - 1] === "function" ? (args.pop() as AckCallback) : undefined;
    if (signal?.aborted) {
      // Never sent; the callback (error-first under signal()) learns why, asynchronously as for any failure.
      if (ack) queueMicrotask(() => ack(abortError(signal)));
      return;
    }
    const compress = flags.compress !== false;
    const data = [event, ...args];
    const packet: OutgoingPacket = { type: PacketType.EVENT, nsp: this.nsp, data };
    const retried = !volatile && !!this.opts.retries;
    if (ack && !retried) packet.id = this.#nextId++;
    // Encoded now: arguments the parser cannot encode throw here, before anything is registered.
    const chunks = (this.io as unknown as ManagerLink).encode(packet);
    const withError = retried || errorFirst || timeout !== undefined || !!signal;
    const queued: Queued = {
      c: chunks,
      at: Date.now(),
      r: signal && whenAborted(signal, () => this.#abort(packet, abortError(signal))),
      n: retried ? 0 : undefined,
      q: ack,
      t: timeout,
      e: withError,
      h: undefined,
    };
    const id = packet.id;
    // A sent emit stays cancellable until its acknowledgement settles.
    if (id !== undefined) this.#register(id, queued);
    let sent = false;
    if (volatile) {
      sent = this.connected && this.#phase !== FLUSHING && !this.#buffer?.length && this.#transmit(data, chunks, compress, true);
    } else if (this.connected && !this.#phase) {
      // Never overtake what waits.
      this.#flush();
      // A retried emit goes in flight (sent by #flush below).
      if (!this.#buffer?.length && !this.#inflight) retried ? (this.#inflight = packet) : (sent = this.#transmit(data, chunks, compress));
    }
    if (!sent && !volatile) {
      // Only a packet that waits is read again (socket.io-client's sendBuffer shape); one sent now needs none.
      packet.options = { compress };
      QUEUED.set(packet, queued);
      return this.#inflight === packet ? this.#flush() : this.#enqueue(packet, queued);
    }
    // Sent without an acknowledgement: nothing left to cancel. A dropped volatile emit: a plain callback
    // could never be called, so it is forgotten now; an error-first one keeps its timeout (or fails at
    // the next disconnection) as in socket.io-client.
    if (id === undefined || !(sent || withError)) {
      this.#take(id);
      queued.r?.();
    }
  }

  /** @internal The namespace connected: drop what expired, then send what waits once the current read is over. */
  #flushOnConnect(): void {
    this.#expire();
    // The rest of this read may still end the connection (the CONNECT reply and a close in one payload):
    // until it is over, what is sent (the queue, emits made by connect listeners) waits in the queue, so
    // a connection that is already gone cannot swallow it; it then goes out on the next one.
    // (The try in flight on the previous connection no longer awaits its reply: failSent() failed it when that
    // connection ended, so it is resent, if tries are left.)
    this.#phase = HOLDING;
    queueMicrotask(() => {
      this.#phase = IDLE;
      this.#flush();
    });
  }

  /**
   * @internal The function handed to listeners of an event the server wants acknowledged (`id`); it answers
   * once, and never after a reconnection: that reply would reach a server socket that no longer waits for it.
   */
  #replier(id: number): (...args: unknown[]) => void {
    const link = this.io as unknown as ManagerLink;
    const session = link.session();
    let sent = false;
    return (...args) => {
      if (sent) return;
      if (this.connected && link.session() === session) {
        // Throws for an argument the parser cannot encode, before anything is marked sent.
        link.write(link.encode({ type: PacketType.ACK, nsp: this.nsp, id, data: args }), true);
      }
      sent = true;
    };
  }

  /** @internal The server's reply to the emit of packet `id`; a reply nobody waits for (late, duplicate) is dropped. */

  /**
   * @internal The connection dropped: acknowledgements in flight fail; those of queued packets wait for the
   * next one. Error-first callbacks receive the error; plain callbacks are dropped uncalled, since an Error
   * in the place of the reply would be misread as one.
   */
  #failSent(): void {
    // (Callbacks run meanwhile add none but queued ones, skipped too.)
    for (const [id] of this.#acks ?? []) if (!this.#buffer?.some((packet) => packet.id === id)) this.#ack(id, [], invalidState("socket has been disconnected"));
  }

  /**
   * @internal Drops what waited longer than `buffer.maxAgeMs`, and keeps one timer set for the oldest of the
   * rest while the socket is active (none while inactive: expiry then waits for the next connect).
   */
  #expire(): void {
    const maxAge = this.opts.buffer?.maxAgeMs;
    (this.io as unknown as ManagerLink).timers.clearTimeout(this.#expiry);
    this.#expiry = undefined;
    if (maxAge === undefined || !this.active) return;
    const now = Date.now();
    let next = Infinity;
    const buffer = this.sendBuffer;
    for (let i = 0; i < buffer.length; ) {
      const expiry = (QUEUED.get(buffer[i] as Packet)?.at ?? Infinity) + maxAge;
      if (expiry > now) {
        next = Math.min(next, expiry);
        i++;
      } else {
        this.#drop(buffer.splice(i, 1)[0] as Packet, "expired", new SioError("ERR_EXPIRED", DEV ? `emit dropped: buffered over ${maxAge} ms` : `${maxAge}`));
      }
    }
    if (next < Infinity) this.#expiry = (this.io as unknown as ManagerLink).startTimer(() => this.#expire(), next - now);
  }

  // -------------------------------------------------------------------------------------------------------
  // The queue

  /**
   * Queues an emit under the `buffer` limits: when it does not fit, drops the oldest ones or this one, or
   * throws ERR_BUFFER_OVERFLOW (forgetting it), as the policy says.
   */
  #enqueue(packet: Packet, queued: Queued): void {
    const limits = this.opts.buffer;
    if (limits) {
      const { maxPackets = Infinity, maxBytes = Infinity, overflow } = limits;
      const bytes = size(queued.c);
      const over = (): boolean => {
        let total = bytes;
        // Only walked when maxBytes is set: the queue it bounds stays small.
        if (maxBytes < Infinity) for (const packet of this.sendBuffer) total += size(QUEUED.get(packet)?.c);
        return this.sendBuffer.length >= maxPackets || total > maxBytes;
      };
      if (over()) {
        if (overflow === "error") {
          this.#take(packet.id);
          queued.r?.();
          throw overflowError();
        }
        if (overflow === "drop-newest" || bytes > maxBytes || maxPackets < 1) return this.#drop(packet, "overflow", overflowError());
        // Never empties the queue: over() is false for an empty one once the two cases above are out.
        do this.#drop(this.sendBuffer.shift() as Packet, "overflow", overflowError());
        while (over());
      }
    }
    this.sendBuffer.push(packet);
    if (!this.#expiry) this.#expire();
  }

  /** Reports an emit that will never be sent: a `buffer:drop` event, then its acknowledgement fails. */
  #drop(packet: Packet, reason: BufferDropReason, error: Error): void {
    const data = packet.data as unknown[];
    emitLocally(this, "buffer:drop", [{ reason, event: String(data[0]), args: data.slice(1), error }]);
    const queued = QUEUED.get(packet);
    queued?.r?.();
    if (queued?.n !== undefined) call(queued.q, [error]);
    else this.#ack(packet.id, [], error);
  }

  /** A signal() emit was aborted: out of the queue (a `buffer:drop`), given up in flight, or its acknowledgement fails. */
  #abort(packet: Packet, error: Error): void {
    const buffer = this.sendBuffer;
    const index = buffer.indexOf(packet);
    if (index >= 0) this.#drop(buffer.splice(index, 1)[0] as Packet, "aborted", error);
    else if (packet === this.#inflight) {
      // A late reply is ignored.
      this.#take(packet.id);
      this.#end(QUEUED.get(packet) as Queued, [error]);
    } else this.#ack(packet.id, [], error);
  }

  /**
   * Sends what waits, in order, while connected; stops (keeping the rest) when the session cannot take more.
   * Under `retries`, the emit in flight goes first, one try at a time: resent (under a new packet id, unless
   * exactlyOnce: src/exactly-once.ts) until answered or out of tries.
   */
  #flush(): void {
    if (this.#phase) return;
    this.#phase = FLUSHING;
    try {
      // Emits made by listeners meanwhile are queued behind and go out in the same loop.
      while (this.connected) {
        const packet = (this.#inflight ?? this.#buffer?.shift()) as OutgoingPacket | undefined;
        if (!packet) return;
        // (Cast: `retried` says it is there; a packet users put in sendBuffer has none.)
        const queued = QUEUED.get(packet) as Queued;
        const retried = queued?.n !== undefined;
        let chunks: readonly EncodedChunk[] | undefined = queued?.c;
        if (retried) {
          // A try awaits its reply.
          if (this.#acks?.get(packet.id as number) === queued) return;
          this.#inflight = packet;
          packet.id = (this.opts.exactlyOnce ? packet.id : undefined) ?? this.#nextId++;
          chunks = undefined;
        }
        try {
          // A packet put there by user code: encoded now, and dropped if it cannot be; a retried one: with its id.
          chunks ??= (this.io as unknown as ManagerLink).encode(queued ? packet : { ...packet, nsp: this.nsp });
        } catch (error) {
          // A retried emit whose arguments were changed since the emit: given up on.
          retried ? this.#end(queued, [error]) : rethrowLater(error);
          continue;
        }
        if (retried) this.#register(packet.id as number, queued);
        if (!this.#transmit(packet.data, chunks, packet.options?.compress !== false)) {
          retried ? this.#take(packet.id) : this.sendBuffer.unshift(packet);
          return;
        }
        if (retried) (queued.n as number)++;
        // Sent: an abort now only matters to its acknowledgement, whose settling releases the signal.
        else if (packet.id === undefined) queued?.r?.();
      }
    } finally {
      this.#phase = IDLE;
    }
  }

  /** A retried emit is over (answered, out of tries, aborted): its callback runs, the next one goes. */
  #end(queued: Queued, args: unknown[]): void {
    this.#inflight = undefined;
    queued.r?.();
    call(queued.q, args);
    this.#flush();
  }

  /** Writes a packet now if the session takes it (a volatile one: without queueing), then tells the outgoing catch-all listeners. */
  #transmit(data: unknown, chunks: readonly EncodedChunk[], compress: boolean, volatile?: boolean): boolean {
    if (!(this.io as unknown as ManagerLink).write(chunks, compress, volatile)) return false;
    if (Array.isArray(data)) for (const listener of this.#outgoing) (listener as (...a: unknown[]) => void).apply(this, data);
    return true;
  }

  // -------------------------------------------------------------------------------------------------------
  // Acknowledgements

  /** Stores the emit's record under `id`, with its timeout. */
  #register(id: number, queued: Queued): void {
    // A resend under the id of its first try (exactlyOnce) replaces what may still wait on that id.
    this.#take(id);
    const timeout = queued.t;
    // (undefined <= n is false: no timeout, no timer.)
    queued.h = (timeout as number) <= MAX_TIMER_DELAY ? (this.io as unknown as ManagerLink).startTimer(() => this.#ack(id, [], new TimeoutError("operation has timed out")), timeout as number) : undefined;
    (this.#acks ??= new Map()).set(id, queued);
  }

  /** Forgets the acknowledgement awaited on `id` (clearing its timer) and returns its emit's record. */
  #take(id: number | undefined): Queued | undefined {
    const acks = this.#acks;
    const queued = acks?.get(id as number);
    if (queued) {
      acks!.delete(id as number);
      (this.io as unknown as ManagerLink).timers.clearTimeout(queued.h);
    }
    return queued;
  }

  /**
   * @internal Settles the acknowledgement awaited on `id` (one nobody waits for, late or duplicate, is ignored):
   * with the server's `reply`, or failed with `error`. A failed plain emit still queued is never sent; its
   * error-first callback gets `error`, a plain one is dropped uncalled. A retried emit's failed try is resent
   * while tries are left.
   */
  #ack(id: number | undefined, reply: unknown[], error?: Error): void {
    const queued = this.#take(id);
    if (!queued) return;
    const retried = queued.n !== undefined;
    const args = error ? [error] : queued.e ? [null, ...reply] : reply;
    if (!retried) {
      queued.r?.();
      if (error) {
        // Timed out before its packet could be sent: never send it.
        const index = this.sendBuffer.findIndex((packet) => packet.id === id);
        if (index >= 0) this.sendBuffer.splice(index, 1);
      }
      if (!error || queued.e) call(queued.q, args);
    } else if (error && (queued.n as number) <= (this.opts.retries as number)) this.#flush();
    else this.#end(queued, args);
  }

  // What the Manager tells this socket once attached (NamespaceHooks, src/link.ts): TypeScript-private
  // methods rather than a separate hooks object, as socket.io-client's onopen/onpacket/onclose are.

  private onOpen(): void {
    if (this.#state === WAITING) this.#sendConnect();
  }

  private onError(error: Error): void {
    if (this.#state === CONNECTED) return;
    emitLocally(this, "connect_error", [error]);
  }

  /**
   * The Manager's connection closed under us: wait for the next one (the Manager decides when). `stop`: the
   * Manager will not try again (no "reconnecting" flash before its onStopped).
   */
  private onClose(reason: DisconnectReason, description: DisconnectDescription | undefined, stop: boolean): void {
    // (Only attached sockets hear it, and an attached socket is never INACTIVE: #deactivate detaches first.)
    const previous = this.#state;
    this.#set(WAITING, stop);
    if (previous === CONNECTED) this.#closed(reason, description);
    // The namespace handshake was cut short: a failed connection attempt, not a disconnection (a
    // "disconnect" is always preceded by its "connect"). socket.io-client emits "disconnect" here.
    else if (previous === CONNECTING) {
      emitLocally(this, "connect_error", [
        description instanceof Error
          ? description
          : new TransportError(DEV ? `the connection closed before the namespace connected (${reason})` : reason, description),
      ]);
    }
  }

  /**
   * The Manager stopped trying (close(), reconnection off, attempts exhausted, a failed open() told its
   * callbacks instead, a malformed URL): no connection will come until connect().
   */
  private onStopped(): void {
    this.#set(this.#state, true);
  }

  /** Whether the namespace handshake completed and the connection is up. */
  get connected(): boolean {
    return this.#state === CONNECTED;
  }

  get disconnected(): boolean {
    return this.#state !== CONNECTED;
  }

  /**
   * Whether the socket is trying to be connected: true from connect() until disconnect(), a server-side
   * disconnect or a refusal, including while the Manager reconnects.
   */
  get active(): boolean {
    return this.#state !== INACTIVE;
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
    const io = this.io;
    const state = this.#state;
    if (state === CONNECTED) return this;
    if (state === INACTIVE) (io as unknown as ManagerLink).attach(this as never);
    this.#set(state || WAITING, false);
    // A status:change listener may have disconnected us already.
    if (!this.active) return this;
    this.#expire();
    // While the Manager waits to reconnect, its timer decides when to try: an extra attempt now would
    // defeat the backoff.
    if (io.state !== "reconnecting") io.open();
    if (io.state === "open") this.onOpen();
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
    const link = this.io as unknown as ManagerLink;
    const wasConnected = this.#state === CONNECTED;
    // DISCONNECT: sent now or not at all (it means nothing on a later connection).
    if (wasConnected) link.write(link.encode({ type: PacketType.DISCONNECT, nsp: this.nsp }), true);
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
    this.#queue("message", args);
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
    this.#queue(ev as string, args);
    return this;
  }

  /**
   * Emits an event and resolves with the server's acknowledgement. Rejects on timeout (with `timeout()` or
   * the `ackTimeout` option) and when the connection drops after the packet was sent.
   *
   * @example
   * const reply = await socket.timeout(5000).emitWithAck("hello", "world");
   */
  emitWithAck<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: AllButLast<EventParams<EmitEvents, Ev>>): Promise<AckResult<EmitEvents, Ev>> {
    return new Promise((resolve, reject) => {
      const settle: AckCallback = (err, value) => (err != null ? reject(err) : resolve(value as AckResult<EmitEvents, Ev>));
      this.#queue(ev as string, [...(args as unknown[]), settle], true);
    });
  }

  /** Sets whether the next emit is compressed (default true). */
  compress(compress: boolean): this {
    return this.#flag({ compress });
  }

  /** The next emit is dropped instead of buffered when it cannot go out at once. */
  get volatile(): this {
    return this.#flag({ volatile: true });
  }

  /**
   * The next emit's acknowledgement fails after `timeout` ms; its callback becomes error-first.
   *
   * @example
   * socket.timeout(5000).emit("hello", (err, reply) => { if (err) console.log("no reply in time"); });
   */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    nonNegative("timeout", timeout);
    return this.#flag({ timeout }) as never;
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
    if (typeof signal?.addEventListener !== "function") throw invalidArg(DEV ? "signal must be an AbortSignal" : "");
    return this.#flag({ signal }) as never;
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
    if (!this.connected) return Promise.reject(invalidState(DEV ? `cannot ping: socket is ${this.#status}` : this.#status));
    const socket = this.timeout(options.timeout ?? this.opts.ackTimeout ?? 10_000) as unknown as Socket;
    if (options.signal) socket.signal(options.signal);
    // (performance: every supported runtime has it; the engine's latency uses it too.)
    const start = performance.now();
    return socket.emitWithAck(event).then(() => performance.now() - start);
  }

  // -------------------------------------------------------------------------------------------------------
  // State

  /**
   * Sets the state (callers change state last: a status:change listener may call connect() or disconnect()
   * again) and derives the status. `stop` (read only for WAITING and CONNECTING): true when the Manager
   * stopped trying (gave up, closed, reconnection off: only connect() starts again), false when it tries
   * (again). Being connected makes the next attempt a reconnection, until the status is "disconnected".
   */
  #set(state: number, stop?: boolean): void {
    this.#state = state;
    const from = this.#status;
    const to: SocketStatus =
      state === CONNECTED
        ? "connected"
        : state === INACTIVE || stop
          ? "disconnected"
          : from === "connected" || from === "reconnecting"
            ? "reconnecting"
            : "connecting";
    if (to === from) return;
    this.#status = to;
    emitLocally(this, "status:change", [{ from, to }]);
  }

  /** Detaches from the Manager; pending auth steps are ignored from now on. */
  #deactivate(): void {
    // Inactive already: detaching does nothing, but the Manager still closes if no socket is active (as
    // socket.io-client's does when any socket disconnects).
    (this.io as unknown as ManagerLink).detach(this as never);
    this.#set(INACTIVE);
    this.#expire();
  }

  /** Common end of every disconnection: forget the id, tell listeners, fail acknowledgements in flight. */
  #closed(reason: DisconnectReason, description?: DisconnectDescription): void {
    this.id = undefined;
    emitLocally(this, "disconnect", description === undefined ? [reason] : [reason, description]);
    this.#failSent();
  }

  // -------------------------------------------------------------------------------------------------------
  // Namespace handshake

  /**
   * Runs the `auth` option (an object or nothing as it is, `(cb) => cb(data)`, or a function returning the
   * data or a promise of it), then sends CONNECT: unless the attempt was superseded meanwhile.
   */
  #sendConnect(): void {
    this.#set(CONNECTING, false);
    const link = this.io as unknown as ManagerLink;
    const attempt = ++this.#attempt;
    const session = link.session();
    const settle = (ok: boolean, value: unknown): void => {
      // (The same session number means the session is still open: every transition renumbers it.)
      if (attempt !== this.#attempt || this.#state !== CONNECTING || link.session() !== session) return;
      // Settled: a second call of the callback (or a late promise) is ignored as a superseded attempt.
      this.#attempt++;
      if (ok) {
        // With a session to recover, CONNECT tells the server which one and the last event seen (the user's
        // auth fields win on a clash, as in socket.io-client); with exactlyOnce, the socket's client id.
        const ids = this.#ids;
        let data = ids?.pid === undefined ? value : { pid: ids.pid, offset: ids.offset, ...(isObject(value) ? value : {}) };
        if (ids?.client) data = { ...(isObject(data) ? data : {}), [CLIENT_ID_KEY]: ids.client };
        try {
          // On failure to write, the session is closing: its close event puts us back to waiting.
          link.write(link.encode({ type: PacketType.CONNECT, nsp: this.nsp, data }), true);
          return;
        } catch (error) {
          value = toError(error, DEV ? "invalid auth data" : "auth");
        }
      }
      this.#refused(toError(value, DEV ? "the auth function failed" : "auth"));
    };
    const auth = this.auth;
    if (typeof auth !== "function") return settle(true, auth);
    try {
      const result: unknown = auth((data) => settle(true, data));
      // A function taking no callback gives its data as its (possibly async) result; one taking the
      // callback may still be async, and then only its failure matters.
      const usesResult = auth.length === 0;
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
        (result as PromiseLike<unknown>).then(
          (data) => (usesResult || data !== undefined) && settle(true, data),
          (error) => settle(false, error),
        );
      } else if (usesResult && result !== undefined) settle(true, result);
    } catch (error) {
      settle(false, error);
    }
  }

  /** A refusal or a failed auth step: report it and stop (no reconnection loop on bad credentials). */
  #refused(error: Error): void {
    this.#deactivate();
    emitLocally(this, "connect_error", [error]);
  }

  private onPacket(packet: Packet): void {
    const { type, data, id } = packet;
    const state = this.#state;
    // Events first: the hot path.
    if (type === PacketType.EVENT || type === PacketType.BINARY_EVENT) {
      // A server cannot fire "connect", "disconnect"... listeners: those names are the client's own.
      if (!Array.isArray(data) || !data.length || RESERVED_EVENTS.has(data[0])) return;
      // Listeners get the arguments spread, never this array, so it is only copied to add the replier.
      const args = typeof id === "number" ? [...data, this.#replier(id)] : data;
      // With recovery on, the server appends each event's offset as its last argument (an event to answer has
      // none: its last argument is the replier). Taken when the event arrives: one kept in receiveBuffer is
      // delivered even if the connection drops first, so a recovery must not replay it.
      const last = args[args.length - 1];
      const ids = this.#ids;
      if (ids?.pid !== undefined && typeof last === "string") ids.offset = last;
      if (state === CONNECTED) this.#dispatch(args);
      else this.receiveBuffer.push(args);
    } else if (type === PacketType.CONNECT) {
      if (state !== CONNECTING) return;
      const fields = data as Fields; // (a primitive or an array has no such field either)
      const sid = fields?.sid;
      if (typeof sid !== "string" || !sid) {
        // A protocol violation: the Manager drops the connection ("parse error"); this socket gets the
        // error as its connect_error, and the reconnection loop takes over.
        (this.io as unknown as ManagerLink).protocolError(new ProtocolError(DEV ? "CONNECT reply has no session id: Socket.IO v2 servers are not supported" : ""));
        return;
      }
      const pid = typeof fields?.pid === "string" ? fields.pid : undefined;
      this.id = sid;
      this.recovered = pid !== undefined && pid === this.#ids?.pid;
      if (pid !== undefined || this.#ids) (this.#ids ??= {}).pid = pid;
      this.#set(CONNECTED);
      this.#flushOnConnect();
      // A status:change listener may have disconnected us.
      if (!this.connected) return;
      emitLocally(this, "connect", []);
      // Events received before the CONNECT reply, delivered in order while connected.
      while (this.#received?.length && this.connected) {
        try {
          this.#dispatch(this.#received.shift() as unknown[]);
        } catch (error) {
          rethrowLater(error);
        }
      }
    } else if (type === PacketType.ACK || type === PacketType.BINARY_ACK) {
      // ack() ignores an id nobody waits for, a missing or malformed one included.
      if (Array.isArray(data)) this.#ack(id as number, data);
    } else if (type === PacketType.DISCONNECT) {
      if (state === CONNECTED) {
        this.#deactivate();
        this.#closed("io server disconnect");
      }
      // Before our CONNECT was answered, it is a refusal (a "disconnect" always follows a "connect").
      else if (state) this.#refused(new ConnectError(DEV ? "the server closed the namespace before it connected" : "", undefined));
    } else if (type === PacketType.CONNECT_ERROR && state === CONNECTING) {
      // Only an answer to our CONNECT: a refusal out of the blue (while connected) is ignored. Refused:
      // stop here. Buffered emits and their acknowledgements stay for a later connect().
      const fields = data as Fields;
      const message = typeof fields?.message === "string" ? fields.message : typeof data === "string" ? data : DEV ? "the server refused the connection" : "";
      this.#refused(new ConnectError(message, fields?.data));
    }
  }
}

// component-emitter's other names for off(): they must release `{ signal }` bindings too.
const proto = Socket.prototype as unknown as Record<string, unknown>;
proto.removeListener = proto.removeAllListeners = proto.removeEventListener = proto.off;
