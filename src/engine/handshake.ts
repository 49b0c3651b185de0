// Validation of the Engine.IO open packet: a server (or a proxy) sending nonsense gets a typed error,
// never a session running with NaN timers.

import { ProtocolError } from "../errors";
import { DEV } from "../internal/dev";
import { KNOWN_TRANSPORTS } from "./options";
import type { HandshakeData, RawData, TransportName } from "./types";

/** Longest heartbeat setting accepted: beyond a day the value is a misconfiguration, not a choice. */
export const MAX_HEARTBEAT_MS = 86_400_000;

const duration = (ms: unknown): boolean => typeof ms === "number" && ms > 0 && ms <= MAX_HEARTBEAT_MS;

/**
 * Parses and checks the data of an "open" packet: a non-empty sid, an upgrades array (unknown names and
 * repeats dropped, known ones in the client's order), pingInterval and pingTimeout in (0, MAX_HEARTBEAT_MS] ms, maxPayload a
 * positive integer or absent (servers before engine.io 6.2 and python-socketio send none: 0, "no limit
 * announced"). Anything else throws a ProtocolError (ERR_HANDSHAKE).
 */
export function parseHandshake(data: RawData | undefined): HandshakeData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data as string);
  } catch {
    // Refused below, as a handshake without fields.
  }
  // Object(): null, numbers, strings and arrays have no such fields either.
  const { sid, upgrades, pingInterval, pingTimeout, maxPayload } = Object(parsed) as Record<keyof HandshakeData, unknown>;
  if (
    typeof sid !== "string" ||
    !sid ||
    !Array.isArray(upgrades) ||
    !duration(pingInterval) ||
    !duration(pingTimeout) ||
    (maxPayload !== undefined && !(Number.isSafeInteger(maxPayload) && (maxPayload as number) > 0))
  ) {
    throw new ProtocolError(
      DEV
        ? `invalid Engine.IO handshake: expected a non-empty sid, an upgrades array, pingInterval and pingTimeout in (0, ${MAX_HEARTBEAT_MS}] ms and a positive integer maxPayload (or none), got ${JSON.stringify(String(data).slice(0, 200))}`
        : "",
      { code: "ERR_HANDSHAKE" },
    );
  }
  return {
    sid,
    // The known names the server offers, each once, in the client's order (upgrade.ts has its own preference).
    upgrades: KNOWN_TRANSPORTS.filter((name) => upgrades.includes(name)),
    pingInterval: pingInterval as number,
    pingTimeout: pingTimeout as number,
    maxPayload: (maxPayload as number | undefined) ?? 0,
  };
}
