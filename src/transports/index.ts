// The transport classes and the constructor shape a session creates them through (see TransportKit in
// src/engine/session.ts: each entry point decides which of them a bundle links).

import { PollingTransport } from "./polling";
import type { Transport, TransportOptions } from "./transport";
import { WebSocketTransport } from "./websocket";
import { WebTransportTransport } from "./webtransport";

export interface TransportConstructor {
  new (opts: TransportOptions): Transport;
  /** False when the runtime cannot create this transport with these options (no WebTransport). */
  usable?(opts: Pick<TransportOptions, "transportOptions">): boolean;
}

export { PollingTransport, WebSocketTransport, WebTransportTransport };
export type { Transport, TransportOptions };
