// A Socket's status (`socket.status`, `status:change`): one state machine fed by where the namespace handshake
// stands and by what the Manager decided, instead of flags kept beside the state.

import type { SocketStatus } from "./types";

/**
 * Where a Socket stands on its Manager:
 * - inactive: not attached to the Manager (never connected, disconnected by either side, or refused);
 * - waiting: attached, waiting for the Manager's connection (first open or a reconnection);
 * - connecting: the auth step runs or the CONNECT packet is out, waiting for the server's answer;
 * - connected.
 */
export type SocketState = "inactive" | "waiting" | "connecting" | "connected";

/**
 * The next status, from the socket's state and its current status `from`. `stop`: true when the Manager
 * stopped trying (gave up, closed, reconnection off: only connect() starts again), false when trying (again),
 * undefined when nothing changed on that side. Being connected makes the next attempt a reconnection, until
 * the status is "disconnected".
 */
export function nextStatus(state: SocketState, from: SocketStatus, stop?: boolean): SocketStatus {
  if (state === "connected") return "connected";
  if (state === "inactive" || stop) return "disconnected";
  if (from === "connected" || from === "reconnecting") return "reconnecting";
  return from === "disconnected" && stop === undefined ? "disconnected" : "connecting";
}
