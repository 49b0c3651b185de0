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
import { MAX_DEPTH, setOwn } from "./binary";
import { checkPacket } from "./encoder";
import { isObject, packetProblem, PacketType, type DecoderEvents, type Packet, type Parser } from "./packet";
import { kDecodeSink, type DecodeSink } from "./sink";

const TWO_32 = 2 ** 32;

// -------------------------------------------------------------------------------------------------------------
// Encoding

/** A growing output buffer. */
class Writer {
  bytes = new Uint8Array(64);
  view = new DataView(this.bytes.buffer);
  pos = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + n));
    grown.set(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** A tag byte followed by a big-endian unsigned integer of `size` bytes (0, 1, 2 or 4). */
  head(tag: number, size: number, value: number): void {
    this.reserve(size + 1);
    this.bytes[this.pos++] = tag;
    if (size === 1) this.bytes[this.pos] = value;
    else if (size === 2) this.view.setUint16(this.pos, value);
    else if (size === 4) this.view.setUint32(this.pos, value);
    this.pos += size;
  }

  /** A length header: the fix form below `fixLimit` (if any), else the 8 (if any), 16 or 32-bit form. */
  length(n: number, fix: number, fixLimit: number, tag8: number, tag16: number): void {
    if (n < fixLimit) this.head(fix | n, 0, 0);
    else if (n < 256 && tag8) this.head(tag8, 1, n);
    else if (n < 65536) this.head(tag16, 2, n);
    else this.head(tag16 + 1, 4, n);
  }

  raw(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.bytes.set(chunk, this.pos);
    this.pos += chunk.length;
  }
}

let utf8Encoder: TextEncoder | undefined;

function number(out: Writer, n: number): void {
  if (Number.isInteger(n) && n >= -0x80000000 && n < TWO_32) {
    if (n >= 0) {
      if (n < 128) out.head(n, 0, 0);
      else if (n < 256) out.head(0xcc, 1, n);
      else if (n < 65536) out.head(0xcd, 2, n);
      else out.head(0xce, 4, n);
    } else if (n >= -32) out.head(n & 0xff, 0, 0);
    else if (n >= -128) out.head(0xd0, 1, n & 0xff);
    else if (n >= -32768) out.head(0xd1, 2, n & 0xffff);
    else out.head(0xd2, 4, n >>> 0);
    return;
  }
  // Fractions, NaN, ±Infinity and integers past 32 bits: float 64, which holds every safe integer exactly.
  out.head(0xcb, 0, 0);
  out.reserve(8);
  out.view.setFloat64(out.pos, n);
  out.pos += 8;
}

function encodeValue(out: Writer, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) {
    throw invalidArg(DEV ? `cannot encode packet: data is nested deeper than ${MAX_DEPTH} levels (circular reference?)` : `${MAX_DEPTH}`);
  }
  switch (typeof value) {
    case "string": {
      const utf8 = (utf8Encoder ??= new TextEncoder()).encode(value);
      out.length(utf8.length, 0xa0, 32, 0xd9, 0xda);
      out.raw(utf8);
      return;
    }
    case "number":
      return number(out, value);
    case "boolean":
      return out.head(value ? 0xc3 : 0xc2, 0, 0);
    case "undefined":
      // fixext 1, type 0: notepack's undefined.
      return out.head(0xd4, 2, 0);
    case "bigint":
      throw invalidArg(DEV ? "cannot encode packet: BigInt has no MessagePack form here (send it as a string)" : "BigInt");
    case "object":
      break;
    default:
      // Functions and symbols inside arrays: null, as JSON would send them.
      return out.head(0xc0, 0, 0);
  }
  if (value === null) return out.head(0xc0, 0, 0);
  if (Array.isArray(value)) {
    out.length(value.length, 0x90, 16, 0, 0xdc);
    for (const item of value) encodeValue(out, item, depth + 1);
    return;
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    out.length(bytes.length, 0, 0, 0xc4, 0xc5);
    out.raw(bytes);
    return;
  }
  if (value instanceof Date) {
    // fixext 8, type 0: milliseconds since the epoch as a signed 64-bit integer.
    const time = value.getTime();
    out.head(0xd7, 1, 0);
    out.reserve(8);
    out.view.setInt32(out.pos, Math.floor(time / TWO_32));
    out.view.setUint32(out.pos + 4, time >>> 0);
    out.pos += 8;
    return;
  }
  if (typeof Blob !== "undefined" && value instanceof Blob) {
    throw invalidArg(DEV ? "cannot encode packet: the msgpack parser cannot send a Blob (send an ArrayBuffer or a typed array)" : "Blob");
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return encodeValue(out, toJSON.call(value), depth + 1);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => typeof record[key] !== "function");
  out.length(keys.length, 0x80, 16, 0, 0xde);
  for (const key of keys) {
    encodeValue(out, key, depth + 1);
    encodeValue(out, record[key], depth + 1);
  }
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
    checkPacket(packet);
    const { type, nsp, data, id } = packet;
    const out = new Writer();
    const fields: Array<[string, unknown]> = [
      ["type", type === PacketType.BINARY_EVENT ? PacketType.EVENT : type === PacketType.BINARY_ACK ? PacketType.ACK : type],
      ["nsp", nsp],
    ];
    if (data !== undefined) fields.push(["data", data]);
    if (id != null) fields.push(["id", id]);
    out.head(0x80 | fields.length, 0, 0);
    for (const [key, value] of fields) {
      encodeValue(out, key, 0);
      encodeValue(out, value, 0);
    }
    return [out.bytes.subarray(0, out.pos)];
  }
}

// -------------------------------------------------------------------------------------------------------------
// Decoding

let utf8Decoder: TextDecoder | undefined;

/** Reads one MessagePack value from `bytes`; every read is bounds-checked. */
class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Moves past `n` bytes, returning where they start. */
  take(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) throw new ProtocolError(DEV ? `msgpack data ends early (needs ${n} byte(s) at offset ${at})` : `${n} ${at}`);
    this.pos = at + n;
    return at;
  }

  /** A big-endian unsigned integer of 1, 2 or 4 bytes. */
  uint(size: number): number {
    const at = this.take(size);
    return size === 1 ? this.bytes[at]! : size === 2 ? this.view.getUint16(at) : this.view.getUint32(at);
  }

  /** `n` bytes as a new ArrayBuffer (a copy, so the message buffer is not kept alive by one small value). */
  binary(n: number): ArrayBuffer {
    const at = this.take(n);
    return this.bytes.slice(at, at + n).buffer;
  }

  /** Each item of a container takes one byte or more: a declared count beyond the bytes left is refused early. */
  count(n: number): number {
    if (n > this.bytes.length - this.pos) throw new ProtocolError(DEV ? `msgpack container declares ${n} items, more than the bytes left` : `${n}`);
    return n;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new ProtocolError(DEV ? `msgpack data is nested deeper than ${MAX_DEPTH} levels` : `${MAX_DEPTH}`);
    const tag = this.uint(1);
    if (tag < 0x80) return tag;
    if (tag < 0x90) return this.map(tag & 0x0f, depth);
    if (tag < 0xa0) return this.array(tag & 0x0f, depth);
    if (tag < 0xc0) return this.str(tag & 0x1f);
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
        return this.binary(this.uint(1 << (tag - 0xc4)));
      case 0xc7:
      case 0xc8:
      case 0xc9:
        return this.ext(this.uint(1 << (tag - 0xc7)), false);
      case 0xca:
        return this.view.getFloat32(this.take(4));
      case 0xcb:
        return this.view.getFloat64(this.take(8));
      case 0xcc:
      case 0xcd:
      case 0xce:
        return this.uint(1 << (tag - 0xcc));
      case 0xcf:
        return this.uint(4) * TWO_32 + this.uint(4);
      case 0xd0:
        return this.view.getInt8(this.take(1));
      case 0xd1:
        return this.view.getInt16(this.take(2));
      case 0xd2:
        return this.view.getInt32(this.take(4));
      case 0xd3:
        return this.view.getInt32(this.take(4)) * TWO_32 + this.uint(4);
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.ext(1 << (tag - 0xd4), true);
      case 0xd9:
      case 0xda:
      case 0xdb:
        return this.str(this.uint(1 << (tag - 0xd9)));
      case 0xdc:
      case 0xdd:
        return this.array(this.uint(2 << (tag - 0xdc)), depth);
      case 0xde:
      case 0xdf:
        return this.map(this.uint(2 << (tag - 0xde)), depth);
    }
    throw new ProtocolError(DEV ? `invalid msgpack tag 0x${tag.toString(16)} at offset ${this.pos - 1}` : `${tag} ${this.pos - 1}`);
  }

  /**
   * Extensions as notepack reads them: type 0 is `undefined` (fixext 1), a Date (fixext 8) or an ArrayBuffer
   * (ext 8/16/32); any other is [type, ArrayBuffer].
   */
  ext(size: number, fixed: boolean): unknown {
    const type = this.view.getInt8(this.take(1));
    if (type === 0 && fixed && size === 1) {
      this.take(1);
      return undefined;
    }
    if (type === 0 && fixed && size === 8) return new Date(this.view.getInt32(this.take(4)) * TWO_32 + this.uint(4));
    const data = this.binary(size);
    return type === 0 && !fixed ? data : [type, data];
  }

  str(n: number): string {
    const at = this.take(n);
    return (utf8Decoder ??= new TextDecoder()).decode(this.bytes.subarray(at, at + n));
  }

  array(n: number, depth: number): unknown[] {
    const out: unknown[] = new Array(this.count(n));
    for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
    return out;
  }

  map(n: number, depth: number): Record<string, unknown> {
    this.count(n * 2);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.value(depth + 1);
      if (typeof key !== "string" && typeof key !== "number") {
        throw new ProtocolError(DEV ? `msgpack map key must be a string or a number, got ${key === null ? "null" : typeof key}` : typeof key);
      }
      // An own "__proto__" member, as JSON.parse makes it, rather than a prototype swap.
      setOwn(out, key, this.value(depth + 1));
    }
    return out;
  }
}

/** Decodes one whole MessagePack message; trailing bytes are an error. */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.pos !== bytes.length) throw new ProtocolError(DEV ? `msgpack message has ${bytes.length - reader.pos} trailing byte(s)` : `${bytes.length - reader.pos}`);
  return value;
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
  /** @internal See kDecodeSink. */
  [kDecodeSink]: DecodeSink | undefined = undefined;

  add(chunk: unknown): void {
    let bytes: Uint8Array;
    if (chunk instanceof ArrayBuffer) bytes = new Uint8Array(chunk);
    else if (ArrayBuffer.isView(chunk)) bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else {
      throw new ProtocolError(
        DEV
          ? `the msgpack parser cannot decode ${typeof chunk === "string" ? "a text message" : typeof Blob !== "undefined" && chunk instanceof Blob ? 'a Blob (use binaryType "arraybuffer")' : typeof chunk}`
          : typeof chunk,
      );
    }
    const packet = toPacket(decodeMsgpack(bytes));
    const sink = this[kDecodeSink];
    if (sink !== undefined) sink.onDecoded(packet);
    else this._emitReserved("decoded", packet);
  }

  /** Nothing is ever buffered between messages. */
  destroy(): void {}
}

/** The msgpack parser, shaped like `require("socket.io-msgpack-parser")`. */
export const msgpackParser = { Encoder: MsgpackEncoder, Decoder: MsgpackDecoder, protocol: 5 } as const satisfies Parser;
