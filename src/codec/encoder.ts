// Turns a Socket.IO packet into its v5 wire form: one text chunk, plus binary attachments when the data has any.

import { invalidArg, type SioError } from "../errors";
import { extractBinary, type BinaryValue } from "./binary";
import {
  isObject,
  PACKET_TYPE_NAMES,
  PacketType,
  type EncodedChunk,
  type Encoder as EncoderContract,
  type Packet,
} from "./packet";
import { DEV } from "../internal/dev";

const TYPE_DIGITS = ["0", "1", "2", "3", "4", "5", "6"] as const;

function invalid(type: PacketType, problem: string, cause?: unknown): SioError {
  return invalidArg(DEV ? `cannot encode ${PACKET_TYPE_NAMES[type]} packet: ${problem}` : `${PACKET_TYPE_NAMES[type]} ${problem}`, cause);
}

/**
 * A function among the arguments (anywhere but last, where the Socket takes it as the acknowledgement
 * callback) would silently reach the server as null: almost always a misplaced callback. Functions nested
 * inside objects are left to JSON, which omits them as it always has.
 */
function checkNoFunction(type: PacketType, data: readonly unknown[], first: number): void {
  for (let i = first; i < data.length; i++) {
    if (typeof data[i] === "function") {
      throw invalid(
        type,
        DEV ? `argument ${i - first + 1} is a function (only the last one may be an acknowledgement callback)` : `${i - first + 1}`,
      );
    }
  }
}

/**
 * The checks the receiving side applies, made here so a bad packet fails at the caller, not the server.
 * Shared with the msgpack encoder, whose packets have the same shape.
 */
export function checkPacket(packet: Packet): void {
  const { type, nsp, data, id } = packet;
  if (typeof nsp !== "string" || nsp.charCodeAt(0) !== 0x2f /* "/" */ || nsp.includes(",")) {
    throw invalid(type, DEV ? `namespace must be a string starting with "/" and without ",", got ${JSON.stringify(nsp)}` : `${JSON.stringify(nsp)}`);
  }
  if (id != null) {
    if (!Number.isSafeInteger(id) || id < 0) throw invalid(type, DEV ? `ack id must be a non-negative safe integer, got ${id}` : `${id}`);
    if (type !== PacketType.EVENT && type !== PacketType.ACK && type !== PacketType.BINARY_EVENT && type !== PacketType.BINARY_ACK) {
      throw invalid(type, DEV ? "only EVENT and ACK packets carry an ack id" : "");
    }
  }
  switch (type) {
    case PacketType.CONNECT:
      if (data !== undefined && !isObject(data)) throw invalid(type, DEV ? "payload must be an object or absent" : "");
      return;
    case PacketType.DISCONNECT:
      if (data !== undefined) throw invalid(type, DEV ? "a DISCONNECT packet has no payload" : "");
      return;
    case PacketType.CONNECT_ERROR:
      if (typeof data !== "string" && !isObject(data)) throw invalid(type, DEV ? "payload must be an object or a string" : "");
      return;
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      if (!Array.isArray(data) || data.length === 0) throw invalid(type, DEV ? "payload must be a non-empty array" : "");
      const name: unknown = data[0];
      if (typeof name !== "string" && typeof name !== "number") {
        throw invalid(type, DEV ? `event name must be a string or a number, got ${name === null ? "null" : typeof name}` : `${name === null ? "null" : typeof name}`);
      }
      checkNoFunction(type, data, 1);
      return;
    }
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      if (!Array.isArray(data)) throw invalid(type, DEV ? "payload must be an array" : "");
      if (id == null) throw invalid(type, DEV ? "an ACK packet needs an ack id" : "");
      checkNoFunction(type, data, 0);
      return;
    default:
      throw invalidArg(DEV ? `cannot encode packet: unknown packet type ${String(type)}` : String(type));
  }
}

function text(type: PacketType, attachments: number, nsp: string, id: number | undefined, data: unknown): string {
  let out: string = TYPE_DIGITS[type];
  if (attachments > 0) out += `${attachments}-`;
  if (nsp !== "/") out += `${nsp},`;
  if (id != null) out += id;
  if (data !== undefined) {
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (err) {
      // Circular structures and BigInt land here; name the packet so the caller can find the emit.
      throw invalid(type, DEV ? `data is not serialisable to JSON (${err instanceof Error ? err.message : String(err)})` : "JSON", err);
    }
    // A top-level toJSON may return undefined: JSON.stringify then yields nothing to send.
    if (json !== undefined) out += json;
  }
  return out;
}

/**
 * Socket.IO v5 encoder. EVENT and ACK packets whose data holds binary (ArrayBuffer, any TypedArray,
 * DataView, Buffer, Blob) anywhere are sent as BINARY_EVENT / BINARY_ACK: the text carries placeholders
 * and the binary values follow as separate chunks. The binary flavour is chosen from the data, so a
 * packet typed BINARY_EVENT without binary inside is sent as a plain EVENT. The caller's data is never
 * modified.
 *
 * @example
 * const [head, ...attachments] = new Encoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["file", buf] });
 * // head === '51-["file",{"_placeholder":true,"num":0}]', attachments[0] === buf
 * @throws SioError ERR_INVALID_ARG when the packet is malformed or its data cannot be serialised.
 */
export class Encoder implements EncoderContract {
  encode(packet: Packet): EncodedChunk[] {
    checkPacket(packet);
    const { nsp, id, data } = packet;
    let type = packet.type;
    if (type === PacketType.EVENT || type === PacketType.ACK || type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
      const isEvent = type === PacketType.EVENT || type === PacketType.BINARY_EVENT;
      // One walk: plain data comes back as the same reference and an empty attachment list.
      const attachments: BinaryValue[] = [];
      const stripped = extractBinary(data, attachments);
      if (attachments.length > 0) {
        const chunks: EncodedChunk[] = [
          text(isEvent ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK, attachments.length, nsp, id, stripped),
        ];
        for (const attachment of attachments) chunks.push(attachment);
        return chunks;
      }
      type = isEvent ? PacketType.EVENT : PacketType.ACK;
    }
    return [text(type, 0, nsp, id, data)];
  }
}
