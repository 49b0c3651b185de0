// Public entry point: io() and everything socket.io-client exports, plus siolink's error classes and types.
// Importing it has no side effects: nothing connects, listens or registers until io() or new Manager().

import { protocol } from "./codec/index";
import { fullKit, kTransportKit, type TransportKit } from "./engine/session";
import { Manager as BaseManager } from "./manager";
import { createIo, type IoOptions } from "./registry";
import { Socket } from "./socket";
import type { DefaultEventsMap, EventsMap } from "./types";

/**
 * A connection to a server, shared by the Sockets of its namespaces, over WebSocket or HTTP long-polling
 * (upgraded to WebSocket when it can). `io()` creates and caches Managers; create one yourself for full control.
 *
 * @example
 * const manager = new Manager("https://example.com", { reconnectionDelayMax: 10_000 });
 * const chat = manager.socket("/chat", { auth: { token } });
 * manager.on("reconnect_attempt", (attempt) => console.log("attempt", attempt));
 */
export class Manager<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends BaseManager<ListenEvents, EmitEvents> {
  /** @internal Every transport, and the upgrade from polling to WebSocket (read by the base constructor). */
  static readonly [kTransportKit]: TransportKit = fullKit;
}

/** io() as a function, plus the properties socket.io-client users reach through it. */
export interface Io {
  /**
   * Connects to the namespace of `uri` (its path; "/" when none), sharing one connection per server and
   * connection options (see `forceNew` and `multiplex`).
   *
   * @example
   * const socket = io("https://example.com/chat", { auth: { token } });
   * const local = io(); // the page's origin, in a browser
   */
  <ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
    opts?: IoOptions,
  ): Socket<ListenEvents, EmitEvents>;
  <ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
    uri?: string,
    opts?: IoOptions,
  ): Socket<ListenEvents, EmitEvents>;
  readonly Manager: typeof Manager;
  readonly Socket: typeof Socket;
  readonly protocol: typeof protocol;
  readonly io: Io;
  readonly connect: Io;
}


/** The io() function; also exported as `connect` and as the default export. */
export const io: Io = /* @__PURE__ */ createIo<Io>({ Manager, Socket, protocol });
export { io as connect, io as default };

export type { ManagerState } from "./manager";
export { Socket, type AnyListener, type ListenerArgs } from "./socket";
export { protocol } from "./codec/index";
/** socket.io-client's transport classes, for the `transports` option: `io(url, { transports: [WebSocket] })`. */
export { Fetch, NodeWebSocket, NodeXHR, WebSocket, WebTransport, XHR } from "./engine/selectors";
export type { IoOptions } from "./registry";
export {
  AbortError,
  ConnectError,
  isSioError,
  ProtocolError,
  SioError,
  TimeoutError,
  TransportError,
  type SioErrorCode,
  type SioErrorOptions,
} from "./errors";
export type {
  AckResult,
  AckValue,
  AllButLast,
  AnyEventListener,
  AuthData,
  AuthOption,
  BufferDrop,
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
  ExtendedError,
  Last,
  LooseArgs,
  ListenerOptions,
  ManagerCloseReason,
  ManagerOptions,
  ManagerReservedEvents,
  ParserModule,
  PingOptions,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  SocketOptions,
  SocketReservedEvents,
  SocketStatus,
  StatusChange,
  TypedEventEmitter,
  UntypedArg,
  UntypedCallback,
  WaitForOptions,
} from "./types";
export type { Packet, Parser } from "./codec/packet";
export type { EngineOptions, TransportName, TransportSelector, EngineCloseReason, TransportInfo, WebTransportOptions } from "./engine/types";
export type { WebTransportConstructor, WebTransportLike } from "./platform/webtransport";
