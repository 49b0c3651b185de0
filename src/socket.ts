// One namespace on a Manager's connection: the Socket users emit on and listen to (socket.io-client's API).
// It is the user-facing layer over named parts: the outgoing queue and ack table (outbox.ts, acks.ts), the
// namespace handshake (nsp-handshake.ts) and the status (status.ts).

import type { AckCallback } from "./acks";
import { PacketType, type EncodedChunk, type Packet } from "./codec/packet";
import { ConnectError, invalidArg, invalidState, nonNegative, ProtocolError, TransportError } from "./errors";
import { kManagerLink, RESERVED_EVENTS } from "./internal/constants";
import { emitLocally } from "./internal/emitter";
import { rethrowLater } from "./internal/subscriptions";
import type { ManagerLink, NamespaceHooks } from "./link";
import type { Manager } from "./manager";
import { connectData, readConnectReply, refusalError, runAuth, toError } from "./nsp-handshake";
import { Listeners, removeListener } from "./listeners";
import { checkSocketOptions, Outbox, replier, type AnyListener, type EmitFlags } from "./outbox";
import { nextStatus, type SocketState } from "./status";
import type {
  AckResult,
  AllButLast,
  AuthOption,
  DecorateAcknowledgements,
  DefaultEventsMap,
  DisconnectDescription,
  DisconnectReason,
  EmitArgs,
  EventNames,
  EventParams,
  EventsMap,
  ListenerOptions,
  Last,
  PingOptions,
  SocketOptions,
  SocketReservedEvents,
  SocketStatus,
  UntypedArg,
} from "./types";
import { DEV } from "./internal/dev";

export { emitLocally, TypedEmitter } from "./internal/emitter";
export type { ManagerLink, NamespaceHooks } from "./link";
export type { AnyListener } from "./outbox";
export type { ListenerArgs } from "./listeners";
export { checkSocketOptions } from "./outbox";

/** The flags of an emit without compress()/volatile/timeout(): shared, so a plain emit allocates none. */
const NO_FLAGS: Readonly<EmitFlags> = Object.freeze({});

/** Reserved events (socket.io-client's and siolink's own): never sent, never taken from the server. */
const isReserved = (event: unknown): boolean => typeof event === "string" && RESERVED_EVENTS.has(event);

type AnySocket = Socket<EventsMap, EventsMap>;

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
> extends Listeners<ListenEvents> {
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
  /** Events received before the namespace handshake completed; delivered right after `connect`. */
  receiveBuffer: Array<ReadonlyArray<unknown>> = [];

  #state: SocketState = "inactive";
  #status: SocketStatus = "disconnected";
  readonly #link: ManagerLink;
  readonly #hooks: NamespaceHooks;
  /** The outgoing queue and the acknowledgement table. */
  readonly #out: Outbox;
  #flags: Readonly<EmitFlags> = NO_FLAGS;
  /** Bumped whenever a pending auth step must be ignored (disconnect, connection closed, new attempt). */
  #connectAttempt = 0;
  /** Connection state recovery: the server's private session id and the offset of the last event seen. */
  #pid: string | undefined;
  #lastOffset: string | undefined;

  constructor(io: Manager<ListenEvents, EmitEvents>, nsp: string, opts: SocketOptions = {}) {
    super();
    checkSocketOptions(opts);
    this.io = io;
    this.nsp = nsp;
    this.id = undefined;
    this.auth = opts.auth;
    this.#link = io[kManagerLink];
    this.#out = new Outbox(this, this.#link, opts);
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
      this.#socket.#stop();
    }
  };

  /** @internal */
  protected timerLink(): ManagerLink {
    return this.#link;
  }

  /** Emits waiting for the connection; sent in order on connect. Assign `[]` to drop them. */
  get sendBuffer(): Packet[] {
    return this.#out.buffer;
  }

  set sendBuffer(packets: Packet[]) {
    this.#out.buffer = packets;
  }

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
    if (this.#state === "inactive") {
      this.#link.attach(this.nsp, this.#hooks);
      this.#setState("waiting", false);
      // A status:change listener may have disconnected us already.
      if (!this.active) return this;
      this.#out.armExpiry();
    } else {
      this.#refreshStatus(false);
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
    if (typeof signal?.addEventListener !== "function") throw invalidArg(DEV ? "signal must be an AbortSignal" : "");
    this.#flags = { ...this.#flags, signal };
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
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
    if (!this.connected) return Promise.reject(invalidState(DEV ? `cannot ping: socket is ${this.#status}` : `${this.#status}`));
    const clock = globalThis.performance ?? Date;
    let socket = this.timeout(options.timeout ?? this.#out.ackTimeout ?? 10_000) as unknown as Socket;
    if (options.signal) socket = socket.signal(options.signal);
    const start = clock.now();
    return socket.emitWithAck(event).then(() => clock.now() - start);
  }

  /** Adds a listener called for every outgoing event (acknowledgement callbacks excluded), when it is sent. */
  onAnyOutgoing(listener: AnyListener): this {
    this.#out.outgoing = [...this.#out.outgoing, listener];
    return this;
  }

  prependAnyOutgoing(listener: AnyListener): this {
    this.#out.outgoing = [listener, ...this.#out.outgoing];
    return this;
  }

  offAnyOutgoing(listener?: AnyListener): this {
    this.#out.outgoing = removeListener(this.#out.outgoing, listener);
    return this;
  }

  listenersAnyOutgoing(): AnyListener[] {
    return [...this.#out.outgoing];
  }

  // -------------------------------------------------------------------------------------------------------
  // State

  /** Callers change state last: a status:change listener may call connect() or disconnect() again. */
  #setState(next: SocketState, stop?: boolean): void {
    this.#state = next;
    this.#refreshStatus(stop);
  }

  #refreshStatus(stop?: boolean): void {
    const from = this.#status;
    const to = nextStatus(this.#state, from, stop);
    if (to === from) return;
    this.#status = to;
    this.#emitReserved("status:change", { from, to });
  }

  /**
   * The Manager lost or failed a connection: it decides whether to try again right after telling its
   * sockets (no listener on it needed), so its verdict is read a microtask later.
   */
  #checkManager(): void {
    queueMicrotask(() => {
      const state = this.io.state;
      if (this.active && (state === "closed" || state === "idle")) this.#refreshStatus(true);
    });
  }

  /** Detaches from the Manager; pending auth steps are ignored from now on. */
  #deactivate(): void {
    if (this.#state === "inactive") return;
    this.#connectAttempt++;
    this.#out.stopExpiry();
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
    const stop = reason === "io client disconnect" || !io.reconnection() || io.reconnectionAttempts() < 1;
    this.#checkManager();
    this.#setState("waiting", stop);
    if (previous === "connected") {
      this.#closed(reason, description);
    } else if (previous === "connecting") {
      // The namespace handshake was cut short: a failed connection attempt, not a disconnection (a
      // "disconnect" is always preceded by its "connect"). socket.io-client emits "disconnect" here.
      const error =
        description instanceof Error
          ? description
          : new TransportError(DEV ? `the connection closed before the namespace connected (${reason})` : `${reason}`, description);
      this.#emitReserved("connect_error", error);
    }
  }

  /** Common end of every disconnection: forget the id, tell listeners, fail acknowledgements in flight. */
  #closed(reason: DisconnectReason, description?: DisconnectDescription): void {
    this.id = undefined;
    if (description === undefined) this.#emitReserved("disconnect", reason);
    else this.#emitReserved("disconnect", reason, description);
    this.#out.failSent();
  }

  #emitReserved<Ev extends keyof SocketReservedEvents>(ev: Ev, ...args: Parameters<SocketReservedEvents[Ev]>): void {
    emitLocally(this, ev, args);
  }

  #emit(event: string, args: unknown[], errorFirstAck: boolean): void {
    const flags = this.#flags;
    this.#flags = NO_FLAGS;
    if (isReserved(event)) {
      throw invalidArg(DEV ? `"${event}" is a reserved event name` : `${event}`);
    }
    this.#out.emit(event, args, flags, errorFirstAck);
  }

  /** DISCONNECT: sent now or not at all (it means nothing on a later connection). */
  #writeControl(packet: Packet): void {
    if (!this.#link.canSend()) return;
    this.#link.write(this.#link.encode(packet), true);
  }

  // -------------------------------------------------------------------------------------------------------
  // Namespace handshake (nsp-handshake.ts)

  #sendConnect(): void {
    this.#setState("connecting", false);
    const attempt = ++this.#connectAttempt;
    const session = this.#link.session();
    const current = (): boolean =>
      attempt === this.#connectAttempt &&
      this.#state === "connecting" &&
      this.#link.session() === session &&
      this.#link.isOpen();
    runAuth(
      this.auth,
      (data) => {
        if (current()) this.#writeConnect(data);
      },
      (error) => {
        if (current()) this.#authFailed(toError(error, DEV ? "the auth function failed" : "auth"));
      },
    );
  }

  #writeConnect(auth: unknown): void {
    let chunks: EncodedChunk[];
    try {
      chunks = this.#link.encode({ type: PacketType.CONNECT, nsp: this.nsp, data: connectData(auth, this.#pid, this.#lastOffset, this.#out.clientId) });
    } catch (error) {
      this.#authFailed(toError(error, DEV ? "invalid auth data" : "auth"));
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
        if (typeof packet.id === "number" && Array.isArray(packet.data)) this.#out.acks?.resolve(packet.id, packet.data);
        break;
      case PacketType.DISCONNECT:
        this.#onServerDisconnect();
        break;
      case PacketType.CONNECT_ERROR:
        // Only an answer to our CONNECT: a refusal out of the blue (while connected) is ignored. Refused:
        // stop here. Buffered emits and their acknowledgements stay for a later connect().
        if (this.#state === "connecting") this.#authFailed(refusalError(packet.data));
        break;
    }
  }

  #onConnectReply(data: unknown): void {
    if (this.#state !== "connecting") return;
    const reply = readConnectReply(data);
    if (reply === undefined) {
      // A protocol violation: the Manager drops the connection ("parse error"); this socket gets the error
      // as its connect_error, and the reconnection loop takes over.
      this.#link.protocolError(
        new ProtocolError(DEV ? "CONNECT reply has no session id: Socket.IO v2 servers are not supported" : ""),
      );
      return;
    }
    const pid = reply.pid;
    this.id = reply.sid;
    this.recovered = pid !== undefined && pid === this.#pid;
    this.#pid = pid;
    this.#setState("connected");

    this.#out.onConnected();
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
    else this.#emitReserved("connect_error", new ConnectError(DEV ? "the server closed the namespace before it connected" : "", undefined));
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
    if (typeof packet.id === "number") args = [...args, replier(this.#link, this.nsp, packet.id, () => this.#state === "connected")];
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
    this.dispatch(args);
  }

  /** The Manager stopped trying: no connection will come until connect(). */
  #stop(): void {
    this.#refreshStatus(true);
  }
}

