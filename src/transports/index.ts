// The transport classes and the constructor shape a session creates them through (see TransportKit in
// src/engine/session.ts: each entry point decides which of them a bundle links).

import { PollingTransport } from "./polling";
import type { Transport, TransportOptions } from "./transport";
import { WebSocketTransport } from "./websocket";

export type TransportConstructor = new (opts: TransportOptions) => Transport;

export { PollingTransport, WebSocketTransport };
export type { Transport, TransportOptions };
