// Engine.IO v4 packets as the transports carry them: a type digit then the text ("4hello"); binary as raw bytes
// (WebSocket, WebTransport) or as "b" + base64 (polling, forceBase64). Each packet is framed by engine.io-parser
// (the team's chosen Engine.IO framing, with its Node and browser builds); polling's payloads (packets joined by
// the record separator) and the byte counting for size limits are done here.

import { decodePacket, encodePacket } from "engine.io-parser";
import type { EnginePacket, RawData } from "../engine/types";
export { utf8Length } from "../internal/utf8";

/** An encoded packet: text, or binary where the transport carries binary. */
export type Frame = RawData;

/**
 * Encodes `packets` (binary as binary frames, or as base64 text when `binary` is false) and hands the frames,
 * in order, to `done`: at once, or later when a Blob has to be read first.
 */
export function encodeAll(packets: EnginePacket[], binary: boolean, done: (frames: Frame[]) => void): void {
  const frames: Frame[] = [];
  // One more than the packets: this loop counts too, so `done` never runs before every packet was started.
  let pending = packets.length + 1;
  packets.forEach((packet, index) =>
    encodePacket(packet as Parameters<typeof encodePacket>[0], binary, (frame: Frame) => {
      frames[index] = frame;
      --pending || done(frames);
    }),
  );
  --pending || done(frames);
}

/**
 * One received frame as a packet, binary as `binaryType` asks. Anything malformed becomes the parser's error
 * packet, which the session turns into "parse error".
 */
export function decodeFrame(data: unknown, binaryType: string | undefined): EnginePacket {
  try {
    return decodePacket(data as string, binaryType as "nodebuffer") as EnginePacket;
  } catch {
    return { type: "error", data: "parser error" };
  }
}
