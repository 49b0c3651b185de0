// The public types users program against: options, reserved events, disconnect reasons and the helpers
// that infer emit / listener / acknowledgement types from user event maps.

import type { Packet, Parser } from "./codec/packet";
import type { CloseDetails, EngineCloseReason, EngineOptions } from "./engine/types";

// ---------------------------------------------------------------------------------------------------------
// Event maps

/**
 * An interface mapping event names to listener signatures, e.g.
 * `interface ServerToClient { news: (text: string) => void }`. `object` rather than an index signature, so
 * user interfaces (which have no index signature) qualify.
 */
export type EventsMap = object;

/**
 * A callback carried by an untyped event (in practice an acknowledgement): any arguments, as in
 * socket.io-client.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UntypedCallback = (...args: any[]) => void;

/**
 * Any value an untyped event can carry: `any`, exactly as socket.io-client's default event map, so untyped
 * code written for it compiles unchanged (`socket.on("news", (data) => data.title)`). Precise types come
 * from passing event maps: `Socket<ServerToClient, ClientToServer>`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UntypedArg = any;

/** A listener of the default map: any arguments. */
type UntypedListener = (...args: UntypedArg[]) => void;

/** The event map used when none is given: any event name, any arguments (socket.io-client's `DefaultEventsMap`). */
export interface DefaultEventsMap {
  [event: string]: UntypedListener;
}

/**
 * The arguments of a catch-all listener: `any` for an untyped map (one with a string index signature, such
 * as DefaultEventsMap), `unknown` for a typed one, whose listeners narrow them.
 */
export type LooseArgs<Map extends EventsMap> = string extends keyof Map ? UntypedArg[] : unknown[];

/** The user event names of a map (symbols are accepted by the type, as in socket.io, but cannot be sent). */
export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

/** The arguments of event `Ev` in `Map`, acknowledgement callback included. */
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Map[Ev] extends (
  ...args: infer P
) => unknown
  ? P
  : never;

/**
 * What emit() takes for event `Ev`: the map's parameters; with an untyped map, any values, where a callback
 * written in place (an acknowledgement) gets `any` parameters, so `socket.emit("q", (reply) => ...)`
 * compiles under `strict` (socket.io-client's typings make `reply` an implicit any there).
 */
export type EmitArgs<Map extends EventsMap, Ev extends EventNames<Map>> = string extends keyof Map
  ? Array<{} | null | undefined | UntypedCallback>
  : EventParams<Map, Ev>;

/**
 * A catch-all (`onAny`) listener: the event name, typed from the map (autocompleted, and checked when
 * compared), then the event's arguments: `any` with the default map, as in socket.io-client; unknown values
 * to narrow with a typed map (a union of per-event argument tuples would refuse the common
 * `(event, arg) => ...` listeners whenever events have different arities).
 */
export type AnyEventListener<Map extends EventsMap> = {
  bivarianceHack(event: EventNames<Map> & string, ...args: LooseArgs<Map>): void;
}["bivarianceHack"];

/** The last element of a tuple (the acknowledgement callback of an emit). */
export type Last<T extends unknown[]> = T extends [...unknown[], infer L] ? L : unknown;

/** A tuple without its last element (the arguments of an emit without its callback). */
export type AllButLast<T extends unknown[]> = T extends [...infer H, unknown] ? H : T;

/**
 * What an acknowledgement callback receives as its value: its first argument, or its second when the
 * first is an Error (the error-first callbacks of `timeout()` and `retries`).
 */
export type AckValue<Callback> = Callback extends (...args: infer P) => unknown
  ? P extends [Error, ...unknown[]]
    ? P[1]
    : P[0]
  : unknown;

/**
 * What emitWithAck() resolves to for event `Ev`: the acknowledgement's value from the map (see AckValue);
 * `any` with an untyped map, as in socket.io-client.
 */
export type AckResult<Map extends EventsMap, Ev extends EventNames<Map>> = string extends keyof Map
  ? UntypedArg
  : AckValue<Last<EventParams<Map, Ev>>>;

/** Already error-first callbacks stay as they are: `timeout(ms).signal(s)` decorates once. */
type WithTimeoutError<A> = A extends (...args: infer P) => infer R
  ? P extends [Error, ...unknown[]]
    ? A
    : (err: Error, ...args: P) => R
  : A;

type PrependTimeoutError<T extends unknown[]> = { [K in keyof T]: WithTimeoutError<T[K]> };

/**
 * The emit map seen through `socket.timeout(ms)`: every callback argument becomes error-first,
 * `(err: Error, ...reply) => void`, since it is also called when the acknowledgement times out.
 */
export type DecorateAcknowledgements<E extends EventsMap> = {
  [K in keyof E]: E[K] extends (...args: infer P) => infer R ? (...args: PrependTimeoutError<P>) => R : E[K];
};

/** Event names a typed emitter accepts in on/once/off: its reserved events and the user's. */
export type ReservedOrUserEventNames<Reserved extends EventsMap, User extends EventsMap> =
  | EventNames<Reserved>
  | EventNames<User>;

/** The listener type for `Ev`: the reserved event's signature if it is one, else the user map's. */
export type ReservedOrUserListener<
  Reserved extends EventsMap,
  User extends EventsMap,
  Ev extends ReservedOrUserEventNames<Reserved, User>,
> = Ev extends EventNames<Reserved> ? Reserved[Ev] : Ev extends EventNames<User> ? User[Ev] : never;

/**
 * The listening half of Manager and Socket, typed from their event maps (the runtime is
 * @socket.io/component-emitter, as in socket.io-client, so `off()` without arguments removes everything).
 */
export interface TypedEventEmitter<User extends EventsMap, Reserved extends EventsMap> {
  on<Ev extends ReservedOrUserEventNames<Reserved, User>>(ev: Ev, listener: ReservedOrUserListener<Reserved, User, Ev>): this;
  once<Ev extends ReservedOrUserEventNames<Reserved, User>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, User, Ev>,
  ): this;
  /** Removes `listener`; all listeners of `ev` without one; every listener without arguments. */
  off<Ev extends ReservedOrUserEventNames<Reserved, User>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<Reserved, User, Ev>,
  ): this;
  removeListener<Ev extends ReservedOrUserEventNames<Reserved, User>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<Reserved, User, Ev>,
  ): this;
  removeAllListeners<Ev extends ReservedOrUserEventNames<Reserved, User>>(ev?: Ev): this;
  listeners<Ev extends ReservedOrUserEventNames<Reserved, User>>(ev: Ev): ReservedOrUserListener<Reserved, User, Ev>[];
  hasListeners<Ev extends ReservedOrUserEventNames<Reserved, User>>(ev: Ev): boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Reasons and reserved events

/**
 * Why a Socket disconnected, exactly as socket.io-client names it:
 * - "io server disconnect": the server disconnected this socket (`socket.disconnect()` server-side); no
 *   automatic reconnection, call `socket.connect()` to come back.
 * - "io client disconnect": `socket.disconnect()` (or `manager.close()`) on this side; no reconnection.
 * - "ping timeout": the server stopped answering heartbeats.
 * - "transport close": the connection was lost (network change, server restart, `socket.io.engine.close()`).
 * - "transport error": the connection failed (HTTP error status, WebSocket error).
 * - "parse error": the server sent a packet the parser refused.
 * The last four are followed by automatic reconnection when it is enabled.
 */
export type DisconnectReason =
  | "io server disconnect"
  | "io client disconnect"
  | "ping timeout"
  | "transport close"
  | "transport error"
  | "parse error";

/** Second argument of `disconnect` / `close`: the underlying error, or a description of the close. */
export type DisconnectDescription = Error | CloseDetails;

/** What `connect_error` listeners receive: an Error, with the server middleware's `data` when it refused. */
export interface ExtendedError extends Error {
  data?: unknown;
}

/**
 * Where a Socket's connection stands (`socket.status`):
 * - connecting: trying to get the first connection (or the first one after a disconnection);
 * - connected: the namespace is connected;
 * - reconnecting: the connection was lost and the Manager is getting it back;
 * - disconnected: not connected and not trying (disconnected by either side, refused by the server,
 *   reconnection off or its attempts exhausted). `socket.connect()` starts again.
 */
export type SocketStatus = "connecting" | "connected" | "reconnecting" | "disconnected";

/** What `status:change` listeners receive; `from` and `to` always differ. */
export interface StatusChange {
  from: SocketStatus;
  to: SocketStatus;
}

/**
 * Why a packet left the offline buffer unsent: it did not fit the `buffer` limits ("overflow"), waited
 * longer than `buffer.maxAgeMs` ("expired"), or its AbortSignal fired ("aborted").
 */
export type BufferDropReason = "overflow" | "expired" | "aborted";

/** What `buffer:drop` listeners receive: the emit that will never be sent. */
export interface BufferDrop {
  reason: BufferDropReason;
  /** The event name given to emit(). */
  event: string;
  /** Its arguments, without the acknowledgement callback. */
  args: unknown[];
  /** The error its acknowledgement (callback or emitWithAck) failed with, if it had one. */
  error: Error;
}

export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ExtendedError) => void;
  disconnect: (reason: DisconnectReason, description?: DisconnectDescription) => void;
  /** siolink: `socket.status` changed. */
  "status:change": (change: StatusChange) => void;
  /** siolink: a buffered emit was dropped unsent (see the `buffer` option and `socket.signal()`). */
  "buffer:drop": (drop: BufferDrop) => void;
}

/** Why a Manager's connection closed: the engine's reasons ("forced close" when closed on this side). */
export type ManagerCloseReason = EngineCloseReason;

export interface ManagerReservedEvents {
  open: () => void;
  error: (err: Error) => void;
  ping: () => void;
  packet: (packet: Packet) => void;
  close: (reason: ManagerCloseReason, description?: DisconnectDescription) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (err: Error) => void;
  reconnect: (attempt: number) => void;
  /**
   * siolink: a new round-trip sample came in. `latency` is the smoothed value (`manager.latency`), `sample`
   * the raw one (see Manager.latency for what is measured).
   */
  latency: (latency: number, sample: number) => void;
}

// ---------------------------------------------------------------------------------------------------------
// Options

export interface ManagerOptions extends EngineOptions {
  /** io() only: always create a new Manager (and connection) for this socket. Default false. */
  forceNew?: boolean;
  /** io() only: false behaves like forceNew. Default true. */
  multiplex?: boolean;
  /** Server path of the Engine.IO endpoint. Default "/socket.io". */
  path?: string;
  /** With no URL only: the server's host name. Default: the page's, or "localhost" (Node). */
  hostname?: string;
  /** With no URL only: the server's port. Default: the page's, or 443 when `secure`, else 80. */
  port?: string | number;
  /** With no URL only: connect over TLS (https/wss). Default: as the page, or false (Node). */
  secure?: boolean;
  /** Reconnect automatically after the connection is lost. Default true. */
  reconnection?: boolean;
  /** Attempts before giving up with `reconnect_failed`. Default Infinity. */
  reconnectionAttempts?: number;
  /** First reconnection delay in ms, doubled at each attempt. Default 1000. */
  reconnectionDelay?: number;
  /** Longest reconnection delay in ms. Default 5000. */
  reconnectionDelayMax?: number;
  /** Spread of each delay, in [0, 1]. Default 0.5. */
  randomizationFactor?: number;
  /** Connect timeout in ms for each connection attempt; false disables it. Default 20000. */
  timeout?: number | false;
  /** Connect as soon as the Manager / Socket is created. Default true. */
  autoConnect?: boolean;
  /**
   * siolink, browsers: while waiting between reconnection attempts, try again at once when the network
   * comes back (`online`) or the page becomes visible again (see `manager.reconnectNow()`). Default true.
   */
  reconnectOnNetworkReturn?: boolean;
  /** A custom parser module, e.g. `require("socket.io-msgpack-parser")`; the server must use the same. */
  parser?: Parser | ParserModule;
}

/**
 * A parser module as some packages type it (socket.io-msgpack-parser declares `encode` as returning one
 * ArrayBuffer where it returns an array): accepted, and its shape checked when the Manager is created.
 */
export interface ParserModule {
  Encoder: new () => object;
  Decoder: new () => object;
}

/** The data sent in the CONNECT packet: any JSON object, read server-side as `socket.handshake.auth`. */
export type AuthData = object;

/**
 * `auth` as an object, a function calling back with the data, or an async function returning it. The
 * function is called before every connection (and reconnection), so it can fetch a fresh token.
 */
export type AuthOption = AuthData | ((callback: (data: AuthData) => void) => void | PromiseLike<AuthData>);

export interface SocketOptions {
  /** Credentials sent with the namespace CONNECT packet. */
  auth?: AuthOption;
  /**
   * Resend an emit up to this many times until it is acknowledged (at-least-once delivery). Emits with
   * retries go out one at a time, in order; acknowledgement callbacks become error-first.
   */
  retries?: number;
  /** Default acknowledgement timeout in ms for every emit with a callback (callbacks become error-first). */
  ackTimeout?: number;
  /**
   * siolink: exactly-once delivery with a server using the `exactlyOnce()` middleware of siolink/server: a
   * resent emit keeps the packet id of its first try, and every CONNECT carries this socket's random client
   * id (auth key `siolinkEo`), so the server answers a resend with its first reply instead of calling the
   * handler again. Needs `retries` > 0 (ERR_INVALID_ARG otherwise). Servers without the middleware see the
   * same events and arguments as from socket.io-client (at-least-once, as with `retries` alone).
   */
  exactlyOnce?: boolean;
  /** Limits of the offline buffer (emits waiting for the connection). Default: unbounded. */
  buffer?: BufferOptions;
}

/**
 * Bounds on the emits waiting for a connection. A packet that does not fit, or waited too long, is dropped:
 * reported by a `buffer:drop` event, and its acknowledgement fails with ERR_BUFFER_OVERFLOW / ERR_EXPIRED.
 */
export interface BufferOptions {
  /** Most packets kept. */
  maxPackets?: number;
  /** Most bytes kept, counting each packet's encoded size (string chunks by their length). */
  maxBytes?: number;
  /** Packets older than this (ms since the emit) are dropped. */
  maxAgeMs?: number;
  /**
   * What to do when an emit does not fit: drop the oldest packets to make room (default), drop this emit,
   * or throw ERR_BUFFER_OVERFLOW from emit() (emitWithAck rejects) keeping the buffer as it is.
   */
  overflow?: "drop-oldest" | "drop-newest" | "error";
}

/** Options of `socket.on()` / `socket.once()`: the listener is removed when `signal` aborts. */
export interface ListenerOptions {
  signal?: AbortSignal;
}

/** Options of `socket.waitFor()`. */
export interface WaitForOptions {
  /** Reject with an AbortError when it aborts. */
  signal?: AbortSignal;
  /** Reject with a TimeoutError after this many ms. Default: wait for ever. */
  timeout?: number;
}

/** Options of `socket.ping()`. */
export interface PingOptions {
  /** Reject with a TimeoutError after this many ms. Default: the `ackTimeout` option, else 10000. */
  timeout?: number;
  /** Reject with an AbortError when it aborts. */
  signal?: AbortSignal;
}
