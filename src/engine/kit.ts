// The full transport kit: every transport and the upgrade. Only entry points that import it link them (the
// session reaches its transports and its upgrade through the kit it is given, see TransportKit).

import { PollingTransport, WebSocketTransport, WebTransportTransport } from "../transports/index";
import type { TransportKit } from "./options";
import { upgrade } from "./upgrade";

/** Everything: what `siolink` links, and what `new EngineSession()` uses. */
export const fullKit: TransportKit = {
  entry: "siolink",
  websocket: WebSocketTransport,
  polling: PollingTransport,
  webtransport: WebTransportTransport,
  upgrade,
};
