// One namespace on a Manager's connection: the Socket users emit on and listen to (socket.io-client's API).
// One object per socket, built as a class chain: Listeners (listeners.ts: on/once/off, onAny, waitFor) →
// Outbox (outbox.ts: the emit path, its queue and the acknowledgements) → Socket (this file: the state
// machine and status, the namespace handshake, incoming packets and the public emit API).

import { isObject, PacketType, type Packet } from "./codec/packet";
import { ConnectError, invalidArg, invalidState, nonNegative, ProtocolError, SioError, TransportError } from "./errors";
import { CLIENT_ID_KEY, newClientId } from "./exactly-once";
import { RESERVED_EVENTS } from "./internal/constants";
import { emitLocally } from "./internal/emitter";
import { call } from "./internal/subscriptions";
import type { ManagerLink, NamespaceHooks } from "./link";
import type { Manager } from "./manager";
import { checkSocketOptions, Outbox, type AckCallback } from "./outbox";
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
  PingOptions,
  SocketOptions,
  SocketReservedEvents,
  SocketStatus,
  UntypedArg,
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
export class Socket<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents> extends Outbox<ListenEvents> {
  /** The Manager (connection) this socket rides on: `socket.io.engine`, `socket.io.on("reconnect", ...)`. */
  declare readonly io: Manager<ListenEvents, EmitEvents>;
  /** The namespace, e.g. "/" or "/admin". */
  declare readonly nsp: string; // declare (io, nsp, auth): set in the constructor, no field definitions before
  /** The session id the server gave this namespace connection; undefined while disconnected. */
  id: string | undefined;
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
    super(opts);
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

  // What the Manager tells this socket once attached (NamespaceHooks, src/link.ts): TypeScript-private
  // methods rather than a separate hooks object, as socket.io-client's onopen/onpacket/onclose are.

  // onOpen(): the namespace handshake, below.

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
    if (!state) (io as unknown as ManagerLink).attach(this as never); // (INACTIVE)
    this.#set(state || WAITING);
    // A status:change listener may have disconnected us already.
    if (!this.active) return this;
    this.expire();
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
    this.queue("message", args);
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
    this.queue(ev as string, args);
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
      // Settled as socket.io-client does: a truthy first argument rejects (every error here is an Error).
      const settle: AckCallback = (err, value) => (err ? reject(err) : resolve(value as AckResult<EmitEvents, Ev>));
      this.queue(ev as string, [...(args as unknown[]), settle], true);
    });
  }

  /** Sets whether the next emit is compressed (default true). */
  compress(compress: boolean): this {
    return this.flag({ compress });
  }

  /** The next emit is dropped instead of buffered when it cannot go out at once. */
  get volatile(): this {
    return this.flag({ volatile: true });
  }

  /**
   * The next emit's acknowledgement fails after `timeout` ms; its callback becomes error-first.
   *
   * @example
   * socket.timeout(5000).emit("hello", (err, reply) => { if (err) console.log("no reply in time"); });
   */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    nonNegative("timeout", timeout);
    return this.flag({ timeout }) as never;
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
    return this.flag({ signal }) as never;
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
   * stopped trying (gave up, closed, reconnection off: only connect() starts again), false or omitted when it tries
   * (again). Being connected makes the next attempt a reconnection, until the status is "disconnected".
   */
  #set(state: number, stop?: boolean): void {
    this.#state = state;
    const from = this.#status;
    const to: SocketStatus =
      state === CONNECTED
        ? "connected"
        : !state || stop // (!state: INACTIVE)
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
    this.expire();
  }

  /** Common end of every disconnection: forget the id, tell listeners, fail acknowledgements in flight. */
  #closed(reason: DisconnectReason, description?: DisconnectDescription): void {
    this.id = undefined;
    // Always two arguments, as socket.io-client emits it (the description undefined for a client disconnect).
    emitLocally(this, "disconnect", [reason, description]);
    this.failSent();
  }

  // -------------------------------------------------------------------------------------------------------
  // Namespace handshake

  /**
   * The Manager's connection is open: a socket waiting for it runs the `auth` option (an object or nothing as
   * it is, `(cb) => cb(data)`, or a function returning the data or a promise of it), then sends CONNECT:
   * unless the attempt was superseded meanwhile.
   */
  private onOpen(): void {
    if (this.#state !== WAITING) return;
    this.#set(CONNECTING);
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
          value = error;
          // In production the toError() below wraps it the same way ("auth"). (The inner DEV: the form
          // docs/errors.mjs documents.)
          if (DEV) value = toError(error, DEV ? "invalid auth data" : "auth");
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
      const args = typeof id === "number" ? [...data, this.replier(id)] : data;
      // With recovery on, the server appends each event's offset as its last argument (an event to answer has
      // none: its last argument is the replier). Taken when the event arrives: one kept in receiveBuffer is
      // delivered even if the connection drops first, so a recovery must not replay it.
      const last = args[args.length - 1];
      const ids = this.#ids;
      if (ids?.pid !== undefined && typeof last === "string") ids.offset = last;
      if (state === CONNECTED) this.dispatch(args);
      else this.receiveBuffer.push(args);
    } else if (type === PacketType.CONNECT) {
      if (state !== CONNECTING) return;
      // (A primitive or an array has no such field either.)
      const sid = (data as Fields)?.sid;
      if (typeof sid !== "string" || !sid) {
        // A protocol violation: the Manager drops the connection ("parse error"); this socket gets the
        // error as its connect_error, and the reconnection loop takes over.
        (this.io as unknown as ManagerLink).protocolError(new ProtocolError(DEV ? "CONNECT reply has no session id: Socket.IO v2 servers are not supported" : ""));
        return;
      }
      const pid = typeof (data as Fields)?.pid === "string" ? ((data as Fields)?.pid as string) : undefined;
      this.id = sid;
      this.recovered = pid !== undefined && pid === this.#ids?.pid;
      if (pid !== undefined || this.#ids) (this.#ids ??= {}).pid = pid;
      this.#set(CONNECTED);
      this.flushOnConnect();
      // A status:change listener may have disconnected us.
      if (!this.connected) return;
      emitLocally(this, "connect", []);
      // Events received before the CONNECT reply, delivered in order while connected.
      // (A listener's exception is rethrown on its own stack: the rest are still delivered.)
      while (this.#received?.length && this.connected) call(this.dispatch, [this.#received.shift()], this);
    } else if (type === PacketType.ACK || type === PacketType.BINARY_ACK) {
      // ack() ignores an id nobody waits for, a missing or malformed one included.
      if (Array.isArray(data)) this.ack(id as number, data);
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
      const message = typeof (data as Fields)?.message === "string" ? (data as Fields)?.message : typeof data === "string" ? data : DEV ? "the server refused the connection" : "";
      this.#refused(new ConnectError(message as string, (data as Fields)?.data));
    }
  }
}
