// Socket.IO v5 packet kinds, the parser seam (same Encoder/Decoder shape as socket.io-parser, so
// socket.io-msgpack-parser and other custom parsers plug in unchanged) and the packet rules both built-in codecs
// apply, on the way out and on the way in.

import type { Emitter } from "@socket.io/component-emitter";
import { DEV } from "../internal/dev";

export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** PacketType names by number, for development error messages (production builds drop them). */
const NAMES = ["CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"];

/** A packet type's name in development builds, its number in production ones. */
export function typeName(type: number): string | number {
  if (!DEV) return type;
  return NAMES[type] ?? String(type);
}

/** A JSON object payload (CONNECT data, a CONNECT_ERROR object): neither null nor an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How a value reads in an error message: "null", "an empty array", "an array", "an object", "nothing", or its type. */
export function kind(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

/** One Socket.IO packet. `data` is JSON-like, possibly with binary values anywhere inside it. */
export interface Packet {
  type: PacketType;
  nsp: string;
  data?: unknown;
  id?: number;
  /** Number of binary attachments: set by the encoder/decoder for BINARY_EVENT and BINARY_ACK. */
  attachments?: number;
}

/**
 * What is wrong with a packet by the Socket.IO v5 rules (undefined when nothing is): its type (0 to `last`), a
 * namespace starting with "/" and without ",", then contentProblem. The msgpack decoder throws it as a
 * ProtocolError, the encoders as ERR_INVALID_ARG, so a packet refused on the way in is refused on the way out too.
 */
export function packetProblem(type: unknown, nsp: unknown, data: unknown, id: unknown, last = 6): string | undefined {
  if (!(Number.isInteger(type) && (type as number) >= 0 && (type as number) <= last)) {
    return DEV ? `unknown packet type ${String(type)}` : String(type);
  }
  if (typeof nsp !== "string" || nsp.charCodeAt(0) !== 0x2f /* "/" */ || nsp.includes(",")) {
    return DEV ? `${typeName(type as number)} packet has an invalid namespace: a namespace must be a string starting with "/" and without ",", got ${JSON.stringify(nsp)}` : `${type as number} ${String(nsp)}`;
  }
  return contentProblem(type as number, data, id);
}

/**
 * What is wrong with the ack id and payload of a packet of a valid type (undefined when nothing is): an ack id
 * (a non-negative safe integer) only on EVENT and ACK, and required on ACK; the payload of its type. An `id`
 * of null counts as none. The JSON decoder, whose parsing guarantees the type and namespace, calls it alone.
 */
export function contentProblem(type: number, data: unknown, id: unknown): string | undefined {
  // EVENT is 2 and 5; with ACK, 2, 3, 5 and 6 (of 0 to 6).
  const event = type % 3 == 2;
  const acked = type > 1 && type != 4;
  if (id != null && !(acked && Number.isSafeInteger(id) && (id as number) >= 0)) {
    return DEV ? (acked ? `${typeName(type)} ack id must be a non-negative safe integer, got ${String(id)}` : `${typeName(type)} packet must not carry an ack id`) : `${type} ${String(id)}`;
  }
  if (
    type === 1
      ? data !== undefined
      : type === 0
        ? data !== undefined && !isObject(data)
        : type === 4
          ? typeof data !== "string" && !isObject(data)
          : !Array.isArray(data) || (event ? data.length === 0 || (typeof data[0] !== "string" && typeof data[0] !== "number") : id == null)
  ) {
    return DEV ? payloadProblem(typeName(type), type, data, event) : `${type}`;
  }
  return undefined;
}

/** The development message of contentProblem's payload rules; production builds leave it out. */
function payloadProblem(name: string | number, type: number, data: unknown, event: boolean): string {
  if (type === 1) return `${name} packet must not carry a payload`;
  const want = type === 0 ? "an object" : type === 4 ? "an object or a string" : event ? "a non-empty array" : "an array";
  if (type === 0 || type === 4 || !Array.isArray(data) || (event && data.length === 0)) return `${name} payload must be ${want}, got ${kind(data)}`;
  return event ? `${name} name must be a string or a number, got ${kind(data[0])}` : `${name} packet has no ack id`;
}

/** What an encoder produces for one packet: a string, or a string followed by binary attachments. */
export type EncodedChunk = string | ArrayBuffer | ArrayBufferView | Blob;

export interface Encoder {
  encode(packet: Packet): EncodedChunk[];
}

export interface DecoderEvents {
  decoded: (packet: Packet) => void;
}

/**
 * Receives Engine.IO message payloads one at a time and emits `decoded` for each complete packet.
 * Invalid input makes `add` throw (siolink's decoder throws a ProtocolError); the Manager catches it and
 * closes the connection with reason "parse error".
 */
export interface Decoder extends Emitter<Record<string, never>, Record<string, never>, DecoderEvents> {
  add(chunk: unknown): void;
  destroy(): void;
}

/** A parser module: `import * as parser from "socket.io-msgpack-parser"` fits this shape. */
export interface Parser {
  Encoder: new () => Encoder;
  Decoder: new () => Decoder;
  protocol?: number;
}
