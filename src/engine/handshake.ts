// Validation of the Engine.IO open packet: a server (or a proxy) sending nonsense gets a typed error,
// never a session running with NaN timers.

import { ProtocolError } from "../errors";
import type { HandshakeData, RawData, TransportName } from "./types";
import { DEV } from "../internal/dev";

/** Longest heartbeat setting accepted: beyond a day the value is a misconfiguration, not a choice. */
export const MAX_HEARTBEAT_MS = 86_400_000;

const KNOWN_TRANSPORTS: readonly TransportName[] = ["websocket", "polling", "webtransport"];

function fail(reason: string): ProtocolError {
  return new ProtocolError(DEV ? `invalid Engine.IO handshake: ${reason}` : `${reason}`, { code: "ERR_HANDSHAKE" });
}

function duration(record: Record<string, unknown>, field: "pingInterval" | "pingTimeout"): number {
  const value = record[field];
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_HEARTBEAT_MS) {
    throw fail(`${field} must be in (0, ${MAX_HEARTBEAT_MS}] ms, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Parses and checks the data of an "open" packet (maxPayload 0 = the server announced no limit). Unknown upgrade names are dropped (newer servers offer
 * "webtransport"); everything else that is missing or out of range throws a ProtocolError (ERR_HANDSHAKE).
 */
export function parseHandshake(data: RawData | undefined): HandshakeData {
  if (typeof data !== "string") throw fail(DEV ? "no JSON text" : "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    // Reported with the JSON that is not an object.
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw fail(`expected a JSON object, got ${JSON.stringify(data.slice(0, 100))}`);
  }
  const record = parsed as Record<string, unknown>;

  const { sid, upgrades, maxPayload } = record;
  if (typeof sid !== "string" || sid.length === 0) throw fail(DEV ? "sid must be a non-empty string" : "");
  if (!Array.isArray(upgrades)) throw fail(DEV ? "upgrades must be an array" : "");
  const pingInterval = duration(record, "pingInterval");
  const pingTimeout = duration(record, "pingTimeout");
  // Servers before engine.io 6.2 (socket.io < 4.5) and python-socketio send no maxPayload: that means
  // "no limit announced" (0), not a broken handshake. A value that is present must still make sense.
  if (
    maxPayload !== undefined &&
    (typeof maxPayload !== "number" || !Number.isSafeInteger(maxPayload) || maxPayload <= 0)
  ) {
    throw fail(`maxPayload must be a positive integer number of bytes, got ${JSON.stringify(maxPayload)}`);
  }

  const known = upgrades.filter((name): name is TransportName => KNOWN_TRANSPORTS.includes(name as TransportName));
  return { sid, upgrades: [...new Set(known)], pingInterval, pingTimeout, maxPayload: maxPayload ?? 0 };
}
