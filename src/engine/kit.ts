// The full transport kit: every transport and the upgrade. Only entry points that import it link them (the
// session reaches its transports and its upgrade through the kit it is given, see TransportKit).

import { PollingTransport, WebSocketTransport, WebTransportTransport } from "../transports/index";
import type { TransportKit } from "./options";
import { upgrade } from "./upgrade";
import { DEV } from "../internal/dev";

/** Everything: what `siolink` links, and what `new EngineSession()` uses. */
export const fullKit: TransportKit = {
  // Only development builds' messages name it.
  entry: DEV ? "siolink" : "",
  websocket: WebSocketTransport,
  polling: PollingTransport,
  webtransport: WebTransportTransport,
  upgrade,
};
