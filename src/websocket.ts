// The siolink/websocket entry point: the same API as "siolink", with WebSocket as the only transport. Its
// bundles link neither HTTP long-polling nor the polling → WebSocket upgrade.

import { protocol } from "./codec/index";
import { kTransportKit, type TransportKit } from "./engine/session";
import { Manager as BaseManager } from "./manager";
import { createIo, type IoOptions } from "./registry";
import { Socket } from "./socket";
import { WebSocketTransport } from "./transports/websocket";
import type { DefaultEventsMap, EventsMap } from "./types";
import type { Io } from "./index";

// Everything "siolink" exports (error classes, Socket, protocol, types); the Manager and io() declared
// below take precedence over the ones of the full entry.
export * from "./index";

/** WebSocket only: asking for polling is refused when the Manager (or io()) is created. */
const websocketKit: TransportKit = { entry: "siolink/websocket", websocket: WebSocketTransport };

/**
 * A connection to a server over WebSocket only, shared by the Sockets of its namespaces. When the WebSocket
 * cannot open there is no fallback: the attempt fails (connect_error) and the Manager reconnects as usual.
 *
 * @example
 * import { Manager } from "siolink/websocket";
 * const manager = new Manager("https://example.com", { reconnectionDelayMax: 10_000 });
 * const chat = manager.socket("/chat", { auth: { token } });
 */
export class Manager<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
> extends BaseManager<ListenEvents, EmitEvents> {
  /** @internal WebSocket only (read by the base constructor). */
  static readonly [kTransportKit]: TransportKit = websocketKit;
}


/**
 * io() over WebSocket only; also exported as `connect` and as the default export.
 *
 * @example
 * import { io } from "siolink/websocket";
 * const socket = io("https://example.com", { auth: { token } });
 */
export const io: Io = /* @__PURE__ */ createIo<Io>({ Manager, Socket, protocol });
export { io as connect, io as default };
