// A Socket.IO parser speaking socket.io-msgpack-parser's wire format: each packet is one binary Engine.IO message
// holding a MessagePack map { type, nsp, data?, id? }, binary values inline as MessagePack `bin`. The built-in
// default of the msgpack script-tag bundle; interchangeable with `parser: require("socket.io-msgpack-parser")`.
//
// Same value mapping as that parser's encoder (notepack.io), so a socket.io server using it reads what it would
// read from socket.io-client's msgpack bundle: `undefined` and `Date` as its fixext 0 extensions, objects with
// `toJSON` by what it returns, function-valued keys left out. One deliberate difference: typed arrays and
// DataViews are sent as `bin` of their own bytes (notepack sends a view's whole underlying buffer, or in
// browsers a `{0: .., 1: ..}` map); the server gets a Buffer, as for an ArrayBuffer.

import { Emitter } from "@socket.io/component-emitter";
import { invalidArg, ProtocolError } from "../errors";
import { DEV } from "../internal/dev";
import { MAX_DEPTH } from "./binary";
import { checkPacket } from "./encoder";
import { isObject, packetProblem, type DecoderEvents, type Packet, type Parser } from "./packet";
import { kDecodeSink, type DecodeSink } from "./sink";

/** Sets an own, plain data property: never a setter, not even Object.prototype's "__proto__". */
const setOwn = (target: object, key: PropertyKey, value: unknown): unknown =>
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });

const TWO_32 = 2 ** 32;

// Both directions are closures over one buffer and one position: local names, which minify to a letter each,
// where a Writer or Reader class would keep its public method and field names.

let utf8Encoder: TextEncoder | undefined;
let utf8Decoder: TextDecoder | undefined;

/** The bytes of binary data, without a copy. */
const bytesOf = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** Encodes one value as a MessagePack message. @throws SioError ERR_INVALID_ARG for a value with no form here. */
export function encodeMsgpack(root: unknown): Uint8Array {
  let bytes = new Uint8Array(64);
  let view = new DataView(bytes.buffer);
  let pos = 0;

  /** Moves past `n` bytes, growing the buffer as needed, and returns where they start. Call it before reading `bytes` or `view`. */
  const take = (n: number): number => {
    if (pos + n > bytes.length) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, pos + n));
      grown.set(bytes);
      bytes = grown;
      view = new DataView(grown.buffer);
    }
    pos += n;
    return pos - n;
  };

  /** A tag byte followed by a big-endian unsigned integer of `size` bytes (0, 1, 2 or 4). */
  const head = (tag: number, size = 0, value = 0): void => {
    const at = take(size + 1);
    view.setUint8(at, tag);
    if (size === 1) view.setUint8(at + 1, value);
    else if (size === 2) view.setUint16(at + 1, value);
    else if (size) view.setUint32(at + 1, value);
  };

  /** A length header: the fix form below `fixLimit` (if any), else the 8 (if any), 16 or 32-bit form. */
  const length = (n: number, fix: number, fixLimit: number, tag8: number, tag16: number): void =>
    n < fixLimit ? head(fix | n) : n < 256 && tag8 ? head(tag8, 1, n) : n < 65536 ? head(tag16, 2, n) : head(tag16 + 1, 4, n);

  const raw = (chunk: Uint8Array): void => {
    const at = take(chunk.length);
    bytes.set(chunk, at);
  };

  const encode = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) {
      throw invalidArg(DEV ? `cannot encode packet: data is nested deeper than ${MAX_DEPTH} levels (circular reference?)` : `${MAX_DEPTH}`);
    }
    switch (typeof value) {
      case "string": {
        const utf8 = (utf8Encoder ??= new TextEncoder()).encode(value);
        length(utf8.length, 0xa0, 32, 0xd9, 0xda);
        return raw(utf8);
      }
      case "number": {
        const n = value;
        if (Number.isInteger(n) && n >= -0x80000000 && n < TWO_32) {
          // positive fixint below 128, else uint 8, 16 or 32: the shape of a length header.
          if (n >= 0) return length(n, 0, 128, 0xcc, 0xcd);
          // Negative fixint, else int 8, 16 or 32: DataView's setUint* store a negative number as its two's complement.
          return n >= -32 ? head(n) : n >= -128 ? head(0xd0, 1, n) : n >= -32768 ? head(0xd1, 2, n) : head(0xd2, 4, n);
        }
        // Fractions, NaN, ±Infinity and integers past 32 bits: float 64, which holds every safe integer exactly.
        head(0xcb);
        // Moved past first: `take` may replace `view`.
        const at = take(8);
        return view.setFloat64(at, n);
      }
      case "boolean":
        return head(value ? 0xc3 : 0xc2);
      case "undefined":
        // fixext 1, type 0: notepack's undefined.
        return head(0xd4, 2, 0);
      case "bigint":
        throw invalidArg(DEV ? "cannot encode packet: BigInt has no MessagePack form here (send it as a string)" : "BigInt");
      case "object":
        break;
      default:
        // Functions and symbols inside arrays: null, as JSON would send them.
        return head(0xc0);
    }
    if (value === null) return head(0xc0);
    if (Array.isArray(value)) {
      length(value.length, 0x90, 16, 0, 0xdc);
      for (const item of value) encode(item, depth + 1);
      return;
    }
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      const data = bytesOf(value);
      length(data.length, 0, 0, 0xc4, 0xc5);
      return raw(data);
    }
    if (value instanceof Date) {
      // fixext 8, type 0: milliseconds since the epoch as a signed 64-bit integer.
      const time = value.getTime();
      head(0xd7, 1, 0);
      const at = take(8);
      view.setInt32(at, Math.floor(time / TWO_32));
      return view.setUint32(at + 4, time); // stored modulo 2 ** 32
    }
    if (typeof Blob !== "undefined" && value instanceof Blob) {
      throw invalidArg(DEV ? "cannot encode packet: the msgpack parser cannot send a Blob (send an ArrayBuffer or a typed array)" : "Blob");
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return encode(toJSON.call(value), depth + 1);
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((key) => typeof record[key] !== "function");
    length(keys.length, 0x80, 16, 0, 0xde);
    for (const key of keys) {
      encode(key, depth + 1);
      encode(record[key], depth + 1);
    }
  };

  encode(root, 0);
  return bytes.subarray(0, pos);
}

/**
 * Encodes a Socket.IO packet as one MessagePack message. Binary values anywhere in the data travel inline, so
 * BINARY_EVENT / BINARY_ACK are sent as EVENT / ACK.
 *
 * @example
 * const [bytes] = new MsgpackEncoder().encode({ type: PacketType.EVENT, nsp: "/", data: ["hello", 1] });
 * @throws SioError ERR_INVALID_ARG when the packet is malformed or holds a value with no MessagePack form.
 */
export class MsgpackEncoder {
  encode(packet: Packet): [Uint8Array] {
    const { type, nsp, data, id } = packet;
    checkPacket(type, nsp, data, id);
    // The keys in socket.io-msgpack-parser's order, so the bytes match its encoder's.
    const map: Record<string, unknown> = { type: type > 4 ? type - 3 : type, nsp };
    if (data !== undefined) map.data = data;
    if (id != null) map.id = id;
    return [encodeMsgpack(map)];
  }
}

/** Decodes one whole MessagePack message; every read is bounds-checked, and trailing bytes are an error. */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;

  /** Moves past `n` bytes, returning where they start. */
  const take = (n: number): number => {
    if (pos + n > bytes.length) throw new ProtocolError(DEV ? `msgpack data ends early (needs ${n} byte(s) at offset ${pos})` : `${n} ${pos}`);
    pos += n;
    return pos - n;
  };

  /** A big-endian unsigned integer of 1, 2 or 4 bytes. */
  const uint = (size: number): number => {
    const at = take(size);
    return size === 1 ? bytes[at]! : size === 2 ? view.getUint16(at) : view.getUint32(at);
  };

  /** `n` bytes as a new ArrayBuffer (a copy, so the message buffer is not kept alive by one small value). */
  const binary = (n: number): ArrayBuffer => {
    const at = take(n);
    return bytes.slice(at, at + n).buffer;
  };

  /** Each item of a container takes one byte or more: a declared count beyond the bytes left is refused early. */
  const count = (n: number): number => {
    if (n > bytes.length - pos) throw new ProtocolError(DEV ? `msgpack container declares ${n} items, more than the bytes left` : `${n}`);
    return n;
  };

  /**
   * Extensions as notepack reads them: type 0 is `undefined` (fixext 1), a Date (fixext 8) or an ArrayBuffer
   * (ext 8/16/32); any other is [type, ArrayBuffer].
   */
  const ext = (size: number, fixed: boolean): unknown => {
    const type = view.getInt8(take(1));
    if (type === 0 && fixed && size === 1) return void take(1);
    if (type === 0 && fixed && size === 8) return new Date(view.getInt32(take(4)) * TWO_32 + uint(4));
    const data = binary(size);
    return type === 0 && !fixed ? data : [type, data];
  };

  const str = (n: number): string => {
    const at = take(n);
    return (utf8Decoder ??= new TextDecoder()).decode(bytes.subarray(at, at + n));
  };

  const array = (n: number, depth: number): unknown[] => {
    const out: unknown[] = new Array(count(n));
    for (let i = 0; i < n; i++) out[i] = value(depth + 1);
    return out;
  };

  const map = (n: number, depth: number): Record<string, unknown> => {
    count(n * 2);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = value(depth + 1);
      if (typeof key !== "string" && typeof key !== "number") {
        throw new ProtocolError(DEV ? `msgpack map key must be a string or a number, got ${key === null ? "null" : typeof key}` : typeof key);
      }
      // An own "__proto__" member, as JSON.parse makes it, rather than a prototype swap.
      setOwn(out, key, value(depth + 1));
    }
    return out;
  };

  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) throw new ProtocolError(DEV ? `msgpack data is nested deeper than ${MAX_DEPTH} levels` : `${MAX_DEPTH}`);
    const tag = uint(1);
    if (tag < 0x80) return tag;
    if (tag < 0x90) return map(tag & 0x0f, depth);
    if (tag < 0xa0) return array(tag & 0x0f, depth);
    if (tag < 0xc0) return str(tag & 0x1f);
    if (tag >= 0xe0) return tag - 0x100;
    switch (tag) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return binary(uint(1 << (tag - 0xc4)));
      case 0xc7:
      case 0xc8:
      case 0xc9:
        return ext(uint(1 << (tag - 0xc7)), false);
      case 0xca:
        return view.getFloat32(take(4));
      case 0xcb:
        return view.getFloat64(take(8));
      case 0xcc:
      case 0xcd:
      case 0xce:
        return uint(1 << (tag - 0xcc));
      case 0xcf:
        return uint(4) * TWO_32 + uint(4);
      case 0xd0:
        return view.getInt8(take(1));
      case 0xd1:
        return view.getInt16(take(2));
      case 0xd2:
        return view.getInt32(take(4));
      case 0xd3:
        return view.getInt32(take(4)) * TWO_32 + uint(4);
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return ext(1 << (tag - 0xd4), true);
      case 0xd9:
      case 0xda:
      case 0xdb:
        return str(uint(1 << (tag - 0xd9)));
      case 0xdc:
      case 0xdd:
        return array(uint(2 << (tag - 0xdc)), depth);
      case 0xde:
      case 0xdf:
        return map(uint(2 << (tag - 0xde)), depth);
    }
    throw new ProtocolError(DEV ? `invalid msgpack tag 0x${tag.toString(16)} at offset ${pos - 1}` : `${tag} ${pos - 1}`);
  };

  const result = value(0);
  if (pos !== bytes.length) throw new ProtocolError(DEV ? `msgpack message has ${bytes.length - pos} trailing byte(s)` : `${bytes.length - pos}`);
  return result;
}

/** The packet checks of the JSON decoder (packetProblem), on a decoded map; no binary types in this format. */
function toPacket(decoded: unknown): Packet {
  if (!isObject(decoded)) throw new ProtocolError(DEV ? "msgpack packet must be a map" : "");
  const { type, nsp, data, id } = decoded;
  const problem = packetProblem(type, nsp, data, id, 4);
  if (problem !== undefined) throw new ProtocolError(problem);
  const packet: Packet = { type: type as Packet["type"], nsp: nsp as string };
  if (data !== undefined) packet.data = data;
  if (id != null) packet.id = id as number;
  return packet;
}

/**
 * Decodes socket.io-msgpack-parser packets: one binary Engine.IO message per packet, emitted as `decoded` (or
 * handed to the Manager directly when it set kDecodeSink). Binary values arrive as ArrayBuffers.
 * @throws ProtocolError for a text message, invalid MessagePack or a malformed packet.
 */
export class MsgpackDecoder extends Emitter<Record<string, never>, Record<string, never>, DecoderEvents> {
  /** @internal See kDecodeSink: the decoder itself (which emits "decoded") until the Manager sets itself. */
  [kDecodeSink]: DecodeSink = this;

  add(chunk: unknown): void {
    if (!(chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk))) {
      throw new ProtocolError(
        DEV
          ? `the msgpack parser cannot decode ${typeof chunk === "string" ? "a text message" : typeof Blob !== "undefined" && chunk instanceof Blob ? 'a Blob (use binaryType "arraybuffer")' : typeof chunk}`
          : typeof chunk,
      );
    }
    const packet = toPacket(decodeMsgpack(bytesOf(chunk)));
    this[kDecodeSink].onDecoded(packet);
  }

  /** @internal The DecodeSink of a decoder nobody set one on: emits `decoded`. */
  onDecoded(packet: Packet): void {
    this._emitReserved("decoded", packet);
  }

  /** Nothing is ever buffered between messages. */
  destroy(): void {}
}

/** The msgpack parser, shaped like `require("socket.io-msgpack-parser")`. */
export const msgpackParser = { Encoder: MsgpackEncoder, Decoder: MsgpackDecoder, protocol: 5 } as const satisfies Parser;
