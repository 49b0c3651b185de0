// Engine.IO v4 packets as the transports carry them: a type digit then the text ("4hello"); binary as raw bytes
// (WebSocket, WebTransport) or as "b" + base64 (polling, forceBase64). The subset of engine.io-parser siolink
// needs, in a third of its bytes; the binary conversions that differ between Node and browsers come from the
// platform (src/platform/default.ts).

import type { EnginePacket, EnginePacketType, RawData } from "../engine/types";
import { base64Decode, base64Encode, toBinary } from "../platform/default";

/** An encoded packet: text, or binary where the transport carries binary. */
export type Frame = RawData;

/** Packet types by their digit. */
const TYPES: readonly EnginePacketType[] = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];

/** The bytes of an ArrayBuffer or a view, without copying. */
export const bytesOf = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** Bytes of `text` once UTF-8 encoded (what servers count against their limits); a lone surrogate goes as U+FFFD. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Encodes `packets` (binary as binary frames, or as base64 text when `binary` is false) and hands the frames,
 * in order, to `done`: at once, or later when a Blob has to be read first.
 */
export function encodeAll(packets: EnginePacket[], binary: boolean, done: (frames: Frame[]) => void): void {
  const frames: Frame[] = [];
  // One more than the packets: this loop counts too, so `done` never runs before every packet was started.
  let pending = packets.length + 1;
  const ready = (): unknown => --pending || done(frames);
  packets.forEach(({ type, data }, index) => {
    const encoded = (frame: Frame): void => {
      frames[index] = frame;
      ready();
    };
    if (data == null || typeof data == "string") encoded(TYPES.indexOf(type) + (data ?? ""));
    else if (binary) encoded(data);
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) encoded("b" + base64Encode(bytesOf(data)));
    else data.arrayBuffer().then((buffer) => encoded("b" + base64Encode(new Uint8Array(buffer))));
  });
  ready();
}

/**
 * One received frame as a packet, binary as `binaryType` asks. Anything malformed becomes an error packet, which
 * the session turns into "parse error".
 */
export function decodeFrame(data: unknown, binaryType: string): EnginePacket {
  try {
    if (typeof data != "string") return { type: "message", data: toBinary(data as Uint8Array, binaryType) };
    if (data[0] == "b") return { type: "message", data: toBinary(base64Decode(data.slice(1)), binaryType) };
    const type = TYPES[data[0] as unknown as number];
    if (type) return data.length > 1 ? { type, data: data.slice(1) } : { type };
  } catch {
    // Bad base64, or binary the runtime cannot convert.
  }
  return { type: "error", data: "parser error" };
}
