// socket.io-client's transport classes, as siolink takes them in the `transports` option
// (`io(url, { transports: [WebSocket] })`). siolink's transports are internal; these small objects only say
// which one to use, mixed freely with the names ("websocket", "polling").

import type { TransportSelector } from "./types";

/** WebSocket (the browser's own, `ws` in Node). */
export const WebSocket: TransportSelector = { name: "websocket" };
/** HTTP long-polling; in browsers its requests use fetch (Node: node:http, as for every polling request). */
export const Fetch: TransportSelector = { name: "polling", request: "fetch" };
/** HTTP long-polling; in browsers its requests use XMLHttpRequest (Node: node:http). */
export const XHR: TransportSelector = { name: "polling", request: "xhr" };
/** HTTP long-polling over Node's HTTP client (node:http / node:https, as every polling request in Node). */
export const NodeXHR: TransportSelector = { name: "polling" };
/** WebSocket through `ws` in Node (browsers: their own WebSocket). */
export const NodeWebSocket: TransportSelector = { name: "websocket" };
/** WebTransport (HTTP/3), where the browser has it or an implementation is passed (see transportOptions.webtransport). */
export const WebTransport: TransportSelector = { name: "webtransport" };
