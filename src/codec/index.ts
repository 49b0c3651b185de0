// The built-in Socket.IO v5 codec, exported in the same shape as a custom parser module.

import { Decoder } from "./decoder";
import { Encoder } from "./encoder";
import type { Parser } from "./packet";

export { Decoder, DEFAULT_MAX_ATTACHMENTS, type DecoderOptions } from "./decoder";
export { Encoder } from "./encoder";
export { hasBinary, isBinary, MAX_DEPTH, type BinaryValue } from "./binary";
export { PacketType } from "./packet";
export type { DecoderEvents, EncodedChunk, Packet, Parser } from "./packet";

/** Socket.IO protocol revision this codec speaks. */
export const protocol = 5;

/**
 * The default parser, interchangeable with `import * as parser from "socket.io-msgpack-parser"`.
 *
 * @example
 * const encoder = new parser.Encoder();
 * const [text] = encoder.encode({ type: PacketType.EVENT, nsp: "/", data: ["hello"] }); // '2["hello"]'
 */
export const parser = { Encoder, Decoder, protocol } as const satisfies Parser;
