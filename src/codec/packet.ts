// Socket.IO v5 packet kinds and the parser seam (same Encoder/Decoder shape as socket.io-parser,
// so socket.io-msgpack-parser and other custom parsers plug in unchanged).

import type { Emitter } from "@socket.io/component-emitter";

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

/** PacketType names by number, for error messages. */
export const PACKET_TYPE_NAMES = ["CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"] as const;

/** A JSON object payload (CONNECT data, a CONNECT_ERROR object): neither null nor an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
