// The default transports by name, in the shape the session uses to create them.

import type { TransportName } from "../engine/types";
import { PollingTransport } from "./polling";
import type { Transport, TransportOptions } from "./transport";
import { WebSocketTransport } from "./websocket";

export type TransportConstructor = new (opts: TransportOptions) => Transport;

export const transports: Readonly<Record<TransportName, TransportConstructor>> = {
  websocket: WebSocketTransport,
  polling: PollingTransport,
};

export { PollingTransport, WebSocketTransport };
export type { Transport, TransportOptions };
