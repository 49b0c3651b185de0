// Turns a Socket.IO packet into its v5 wire form: one text chunk, plus binary attachments when the data has any.

import { invalidArg } from "../errors";
import { DEV } from "../internal/dev";
import { hasBinary, placeholderReplacer, type BinaryValue } from "./binary";
import { packetProblem, type EncodedChunk, type Encoder as EncoderContract, type Packet } from "./packet";

/**
 * The checks the receiving side applies (packetProblem), made here so a bad packet fails at the caller, not
 * the server. Also refuses a function among the arguments (anywhere but last, where the Socket takes it as the
 * acknowledgement callback): it would silently reach the server as null, almost always a misplaced callback.
 * Functions nested inside objects are left to JSON, which omits them as it always has. Shared with the msgpack
 * encoder, whose packets have the same shape.
 * @throws SioError ERR_INVALID_ARG
 */
export function checkPacket(type: number, nsp: string, data: unknown, id: unknown): void {
  const problem = packetProblem(type, nsp, data, id);
  if (problem !== undefined) throw invalidArg(DEV ? `cannot encode packet: ${problem}` : problem);
  // Past packetProblem, only EVENT and ACK packets (2, 5; 3, 6) carry an array.
  if (Array.isArray(data)) {
    // Argument numbers as the caller counts them: an EVENT's first element is its name (ACK: 3 and 6).
    const at = data.findIndex((arg) => typeof arg === "function") + +!(type % 3);
    if (at > 0) throw invalidArg(DEV ? `cannot encode packet: argument ${at} is a function (only the last one may be an acknowledgement callback)` : `${at}`);
  }
}

let shared: Encoder | undefined;

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
  constructor() {
    // Stateless: every `new Encoder()` (one per Manager) is the same object, subclasses excepted.
    if (new.target === Encoder) return (shared ??= this);
  }

  encode(packet: Packet): EncodedChunk[] {
    let { type, nsp, id, data }: { type: number; nsp: string; id?: number; data?: unknown } = packet;
    checkPacket(type, nsp, data, id);
    const attachments: BinaryValue[] = [];
    let json: string | undefined;
    if (data !== undefined) {
      // EVENT and ACK data only (as socket.io-parser): the walk stops at the first binary value, and plain data
      // goes through JSON.stringify's fast path, without a replacer.
      // (Types 0 and 4 are CONNECT and CONNECT_ERROR; DISCONNECT, 1, has no data.)
      const replacer = type % 4 && hasBinary(data) ? placeholderReplacer(attachments) : undefined;
      try {
        json = JSON.stringify(data, replacer);
      } catch (err) {
        // BigInt lands here; name the packet so the caller can find the emit.
        throw invalidArg(DEV ? `cannot encode packet: data is not serialisable to JSON (${err instanceof Error ? err.message : String(err)})` : "JSON", err);
      }
    }
    if (type > 4) type -= 3;
    const count = attachments.length;
    // A top-level toJSON may return undefined: JSON.stringify then yields nothing to send.
    const text = `${count > 0 ? `${type + 3}${count}-` : type}${nsp === "/" ? "" : `${nsp},`}${id ?? ""}${json ?? ""}`;
    return [text, ...attachments];
  }
}
