// The direct path from a built-in decoder to the Manager, shared by the JSON and the msgpack codecs.

import type { Packet } from "./packet";

/**
 * @internal Key of a decoder's direct receiver. The Manager sets it on the default Decoder so packets go straight
 * to it: a "decoded" listener costs a listener table and a closure per connection, thousands of them in a load
 * test. Custom parsers keep the emitter seam of packet.ts; until a receiver is set, a built-in decoder is its own
 * receiver, whose onDecoded emits "decoded".
 */
export const kDecodeSink: unique symbol = Symbol();

/** What receives a decoder's packets instead of its "decoded" listeners. @internal */
export interface DecodeSink {
  onDecoded(packet: Packet): void;
}

/** A decoder that can deliver to a DecodeSink. @internal */
export interface SinkDecoder {
  [kDecodeSink]: DecodeSink;
}
