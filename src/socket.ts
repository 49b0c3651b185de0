// One namespace on a Manager's connection: the Socket users emit on and listen to (socket.io-client's API),
// with its namespace handshake, acknowledgements, buffering, retries and connection state recovery.

import { Emitter } from "@socket.io/component-emitter";
import { AckTable, type AckCallback } from "./acks";
import { isObject, PacketType, type EncodedChunk, type Packet } from "./codec/packet";
import { ConnectError, invalidArg, invalidState, nonNegative, ProtocolError, SioError, TransportError } from "./errors";
import { COMPRESSED, kManagerLink, RESERVED_EVENTS, UNCOMPRESSED } from "./internal/constants";
import { rethrowLater } from "./internal/subscriptions";
import type { TimerHandle, Timers } from "./internal/timers";
import type { Manager } from "./manager";
import type {
  AckValue,
  AllButLast,
  AuthOption,
  DecorateAcknowledgements,
  DefaultEventsMap,
  DisconnectDescription,
  DisconnectReason,
  EventNames,
  EventParams,
  EventsMap,
  Last,
  SocketOptions,
  SocketReservedEvents,
  TypedEventEmitter,
  UntypedArg,
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
}

/** The flags of an emit without compress()/volatile/timeout(): shared, so a plain emit allocates none. */
const NO_FLAGS: Readonly<EmitFlags> = Object.freeze({});

/** Catch-all listener lists are replaced, never changed in place: dispatch needs no snapshot copy. */
const NO_LISTENERS: readonly AnyListener[] = Object.freeze([]);

/** A packet as kept in `sendBuffer`: socket.io-client's shape, with its compression flag. */
interface OutgoingPacket extends Packet {
  options?: { compress?: boolean };
}

/** An emit under the `retries` option: resent until acknowledged, one at a time, in order. */
interface QueuedEmit {
  event: string;
  args: unknown[];
  ack: AckCallback | undefined;
  flags: EmitFlags;
  tries: number;
  /** Sent and waiting for its acknowledgement. */
  pending: boolean;
}

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

/** Throws ERR_INVALID_ARG for bad socket options; io() calls it before it creates or opens any Manager. */
export function checkSocketOptions(opts: SocketOptions): void {
  nonNegative("ackTimeout", opts.ackTimeout);
  if (opts.retries !== undefined && (!Number.isInteger(opts.retries) || opts.retries < 0)) {
    throw invalidArg(`retries must be a non-negative integer, got ${String(opts.retries)}`);
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
  /** Buffered packets are encoded when emitted (so bad arguments throw at the emit); this keeps the result. */
  #encoded: WeakMap<Packet, readonly EncodedChunk[]> | undefined;
  /** The send buffer is being flushed: new emits queue behind it. */
  #flushing = false;

  constructor(io: Manager<ListenEvents, EmitEvents>, nsp: string, opts: SocketOptions = {}) {
    super();
    checkSocketOptions(opts);
    this.io = io;
    this.nsp = nsp;
    this.id = undefined;
    this.auth = opts.auth;
    this.#retries = opts.retries ?? 0;
    this.#ackTimeout = opts.ackTimeout;
    this.#link = io[kManagerLink];
    this.#hooks = new Socket.#Hooks(this as AnySocket);
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
      if (this.#socket.#state === "waiting") this.#socket.#sendConnect();
    }

    onPacket(packet: Packet): void {
      this.#socket.#onPacket(packet);
    }

    onError(error: Error): void {
      if (this.#socket.#state !== "connected") this.#socket.#emitReserved("connect_error", error);
    }

    onClose(reason: DisconnectReason, description?: DisconnectDescription): void {
      this.#socket.#onConnectionClosed(reason, description);
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

  /** Connects (or reconnects) this namespace; opens the Manager's connection if needed. */
  connect(): this {
    if (this.#state === "connected") return this;
    if (this.#state === "inactive") {
      this.#setState("waiting");
      this.#link.attach(this.nsp, this.#hooks);
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
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this {
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
  ): Promise<AckValue<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      const settle: AckCallback = (err, value) => {
        if (err != null) reject(err);
        else resolve(value as AckValue<Last<EventParams<EmitEvents, Ev>>>);
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

  /** Adds a listener called for every incoming event, with the event name first. */
  onAny(listener: AnyListener): this {
    this.#anyListeners = [...this.#anyListeners, listener];
    return this;
  }

  /** Like onAny(), but called before the other catch-all listeners. */
  prependAny(listener: AnyListener): this {
    this.#anyListeners = [listener, ...this.#anyListeners];
    return this;
  }

  /** Removes one catch-all listener, or all of them when called without one. */
  offAny(listener?: AnyListener): this {
    this.#anyListeners = removeListener(this.#anyListeners, listener);
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

  #setState(next: SocketState): void {
    this.#state = next;
  }

  /** Detaches from the Manager; pending auth steps are ignored from now on. */
  #deactivate(): void {
    if (this.#state === "inactive") return;
    this.#setState("inactive");
    this.#connectAttempt++;
    this.#link.detach(this.nsp, this.#hooks);
  }

  /** The Manager's connection closed under us: wait for the next one (the Manager decides when). */
  #onConnectionClosed(reason: DisconnectReason, description?: DisconnectDescription): void {
    const previous = this.#state;
    if (previous === "inactive") return;
    this.#setState("waiting");
    this.#connectAttempt++;
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

    this.#flushSendBuffer();
    this.#drainQueue(true);
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
    if (typeof packet.data[0] === "string" && RESERVED_EVENTS.has(packet.data[0])) return;
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
    if (RESERVED_EVENTS.has(event)) {
      throw invalidArg(`"${event}" is a reserved event name`);
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
    const withError = errorFirstAck || timeoutMs !== undefined;
    if (ack !== undefined) {
      acks = this.#ackTable();
      packet.id = acks.register(ack, withError, timeoutMs);
    }

    let chunks: EncodedChunk[];
    try {
      chunks = this.#link.encode(packet);
    } catch (error) {
      if (packet.id !== undefined) acks?.cancel(packet.id);
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
      return;
    }

    if (this.#state === "connected" && !this.#flushing) {
      // Never overtake what is still buffered.
      if (this.sendBuffer.length > 0) this.#flushSendBuffer();
      if (this.sendBuffer.length === 0 && this.#transmit(data, chunks, compress)) return;
    }
    packet.options = { compress };
    (this.#encoded ??= new WeakMap()).set(packet, chunks);
    this.sendBuffer.push(packet);
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
    let chunks = this.#encoded?.get(packet);
    if (chunks === undefined) {
      // A packet put there by user code: encode it now, and drop it if it cannot be.
      try {
        chunks = this.#link.encode({ ...packet, nsp: this.nsp });
      } catch (error) {
        rethrowLater(error);
        return true;
      }
    }
    return this.#transmit(packet.data, chunks, packet.options?.compress !== false);
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

  #enqueue(event: string, args: unknown[], flags: EmitFlags): void {
    let ack: AckCallback | undefined;
    let payload = args;
    if (typeof args[args.length - 1] === "function") {
      ack = args[args.length - 1] as AckCallback;
      payload = args.slice(0, -1);
    }
    // Encode once now so that unencodable arguments throw at the emit, not at some later retry.
    this.#link.encode({ type: PacketType.EVENT, nsp: this.nsp, data: [event, ...payload], id: 0 });
    this.#queue.push({ event, args: payload, ack, flags, tries: 0, pending: false });
    this.#drainQueue(false);
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
