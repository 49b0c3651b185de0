// Turns Socket.IO v5 wire chunks back into packets, refusing anything malformed with a ProtocolError.

import { Emitter } from "@socket.io/component-emitter";
import { invalidArg, ProtocolError } from "../errors";
import { isBinary, PlaceholderMap, type BinaryValue } from "./binary";
import {
  isObject,
  PACKET_TYPE_NAMES,
  PacketType,
  type Decoder as DecoderContract,
  type DecoderEvents,
  type Packet,
} from "./packet";
import { DEV } from "../internal/dev";
import { kDecodeSink, type DecodeSink } from "./sink";

export { kDecodeSink, type DecodeSink } from "./sink";

export interface DecoderOptions {
  /**
   * Most binary attachments one packet may declare (default 100). Attachments are buffered until the
   * last one arrives, so the cap bounds what a peer can make the decoder hold for one packet; 100 leaves
   * room for apps that send a batch of files in one event, where the socket.io server's own parser
   * refuses more than 10 per incoming packet. Each attachment is further bounded by Engine.IO's maxPayload.
   */
  maxAttachments?: number;
}

export const DEFAULT_MAX_ATTACHMENTS = 100;

const CHAR_0 = 0x30;
const CHAR_9 = 0x39;
const CHAR_DASH = 0x2d;
const CHAR_SLASH = 0x2f;

function isDigit(code: number): boolean {
  return code >= CHAR_0 && code <= CHAR_9;
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Short, log-safe rendering of untrusted input for error messages. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

/** Reads one text chunk: `<type>[<attachments>-][<nsp>,][<id>][<JSON>]`. */
function parse(str: string, maxAttachments: number): Packet {
  const end = str.length;
  if (end === 0) throw new ProtocolError(DEV ? "empty packet" : "");
  const type = str.charCodeAt(0) - CHAR_0;
  if (!(type >= 0 && type <= 6)) throw new ProtocolError(DEV ? `unknown packet type ${quote(str.charAt(0))}` : `${quote(str.charAt(0))}`);
  const name = PACKET_TYPE_NAMES[type]!;
  const isBinaryType = type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK;
  let i = 1;

  let attachments: number | undefined;
  if (isBinaryType) {
    while (i < end && isDigit(str.charCodeAt(i))) i++;
    if (i === 1 || str.charCodeAt(i) !== CHAR_DASH) {
      throw new ProtocolError(DEV ? `${name} packet must start with an attachment count and "-", got ${quote(str)}` : `${name} ${quote(str)}`);
    }
    attachments = Number(str.slice(1, i));
    if (attachments === 0) throw new ProtocolError(DEV ? `${name} packet declares zero attachments` : `${name}`);
    if (attachments > maxAttachments) {
      throw new ProtocolError(
        DEV ? `${name} packet declares ${quote(str.slice(1, i))} attachments, more than the limit of ${maxAttachments}` : `${name} ${quote(str.slice(1, i))} ${maxAttachments}`,
      );
    }
    i++;
  }

  let nsp = "/";
  const nspStart = i;
  if (str.charCodeAt(i) === CHAR_SLASH) {
    // Our encoder always ends the namespace with ","; other encoders may leave it out when nothing follows.
    const comma = str.indexOf(",", i);
    nsp = str.slice(i, comma === -1 ? end : comma);
    i = comma === -1 ? end : comma + 1;
  }

  let id: number | undefined;
  const idStart = i;
  while (i < end && isDigit(str.charCodeAt(i))) i++;
  if (i > idStart) {
    if (!isBinaryType && idStart === 1 && str.charCodeAt(i) === CHAR_DASH) {
      throw new ProtocolError(DEV ? `${name} packet is not binary but carries an attachment count` : `${name}`);
    }
    id = Number(str.slice(idStart, i));
    if (!Number.isSafeInteger(id)) {
      throw new ProtocolError(DEV ? `ack id ${quote(str.slice(idStart, i))} in ${name} packet is not a safe integer` : `${quote(str.slice(idStart, i))} ${name}`);
    }
    if (type !== PacketType.EVENT && type !== PacketType.ACK && !isBinaryType) {
      throw new ProtocolError(DEV ? `${name} packet must not carry an ack id` : `${name}`);
    }
  }

  let data: unknown;
  if (i < end) {
    if (type === PacketType.DISCONNECT) throw new ProtocolError(DEV ? "DISCONNECT packet must not carry a payload" : "");
    // JSON.parse tolerates surrounding whitespace; no Socket.IO encoder emits it, so it is refused as garbage.
    if (isJsonWhitespace(str.charCodeAt(i)) || isJsonWhitespace(str.charCodeAt(end - 1))) {
      throw new ProtocolError(DEV ? `${name} packet has whitespace around its JSON payload` : `${name}`);
    }
    const json = str.slice(i);
    try {
      data = JSON.parse(json);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      // "2admin,[...]": a namespace without its leading "/" reads as text before a ",".
      const bare = nsp === "/" && i === nspStart ? /^[^[{",]+,/.exec(json) : null;
      if (bare !== null) {
        throw new ProtocolError(DEV ? `namespace must start with "/", got ${quote(bare[0].slice(0, -1))}` : `${quote(bare[0].slice(0, -1))}`, { cause: err });
      }
      throw new ProtocolError(DEV ? `${name} packet has an invalid JSON payload (${detail})` : `${name} ${detail}`, { cause: err });
    }
  }

  switch (type) {
    case PacketType.CONNECT:
      if (data !== undefined && !isObject(data)) {
        throw new ProtocolError(DEV ? `CONNECT payload must be an object, got ${kind(data)}` : `${kind(data)}`);
      }
      break;
    case PacketType.CONNECT_ERROR:
      if (typeof data !== "string" && !isObject(data)) {
        throw new ProtocolError(DEV ? `CONNECT_ERROR payload must be an object or a string, got ${data === undefined ? "nothing" : kind(data)}` : `${data === undefined ? "nothing" : kind(data)}`);
      }
      break;
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      if (!Array.isArray(data) || data.length === 0) {
        throw new ProtocolError(DEV ? `${name} payload must be a non-empty array, got ${data === undefined ? "nothing" : kind(data)}` : `${name} ${data === undefined ? "nothing" : kind(data)}`);
      }
      const event: unknown = data[0];
      if (typeof event !== "string" && typeof event !== "number") {
        throw new ProtocolError(DEV ? `${name} name must be a string or a number, got ${kind(event)}` : `${name} ${kind(event)}`);
      }
      break;
    }
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      if (!Array.isArray(data)) {
        throw new ProtocolError(DEV ? `${name} payload must be an array, got ${data === undefined ? "nothing" : kind(data)}` : `${name} ${data === undefined ? "nothing" : kind(data)}`);
      }
      if (id === undefined) throw new ProtocolError(DEV ? `${name} packet has no ack id` : `${name}`);
      break;
  }

  const packet: Packet = { type: type as PacketType, nsp };
  if (data !== undefined) packet.data = data;
  if (id !== undefined) packet.id = id;
  if (attachments !== undefined) packet.attachments = attachments;
  return packet;
}

/** A binary packet whose text has arrived and whose attachments are still coming in. */
interface Pending {
  packet: Packet;
  placeholders: PlaceholderMap;
  received: BinaryValue[];
}

/**
 * Socket.IO v5 decoder. Feed it each Engine.IO message payload with `add`; it emits `decoded` once per
 * complete packet. A binary packet is emitted after its last attachment, with the attachments put where
 * their placeholders were; it is emitted as EVENT or ACK (like socket.io-parser) with `attachments` set.
 *
 * Any malformed input makes `add` throw a ProtocolError naming the problem; the partial binary packet, if
 * any, is dropped so the decoder can take the next packet.
 *
 * @example
 * const decoder = new Decoder();
 * decoder.on("decoded", (packet) => console.log(packet));
 * decoder.add('2["hello","world"]'); // { type: 2, nsp: "/", data: ["hello", "world"] }
 */
export class Decoder
  extends Emitter<Record<string, never>, Record<string, never>, DecoderEvents>
  implements DecoderContract
{
  /** @internal See kDecodeSink. */
  [kDecodeSink]: DecodeSink | undefined = undefined;
  readonly #maxAttachments: number;
  #pending: Pending | undefined;

  constructor(opts: DecoderOptions = {}) {
    super();
    const max = opts.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw invalidArg(DEV ? `maxAttachments must be a non-negative integer, got ${String(max)}` : String(max));
    }
    this.#maxAttachments = max;
  }

  /**
   * Takes one chunk: a packet's text, or one binary attachment of the packet being assembled.
   * @throws ProtocolError when the chunk is invalid or unexpected.
   */
  add(chunk: unknown): void {
    if (typeof chunk === "string") this.#addText(chunk);
    else if (isBinary(chunk)) this.#addAttachment(chunk);
    else this.#fail(DEV ? `cannot decode a chunk of type ${kind(chunk)}: expected a string or binary data` : kind(chunk));
  }

  /** Drops a partially received binary packet. The decoder stays usable. */
  destroy(): void {
    this.#setPending(undefined);
  }

  #addText(str: string): void {
    const pending = this.#pending;
    if (pending !== undefined) {
      const missing = pending.placeholders.count - pending.received.length;
      this.#fail(DEV ? `got a text packet while ${missing} binary attachment(s) were still expected` : `${missing}`);
    }
    // Nothing is pending past this point, so a throw from parsing leaves the decoder idle.
    const packet = parse(str, this.#maxAttachments);
    if (packet.attachments === undefined) {
      this.#deliver(packet);
      return;
    }
    // Placeholders are checked now, so a bad packet fails on its text rather than after its attachments.
    const placeholders = new PlaceholderMap(packet.data, packet.attachments);
    // Same convention as socket.io-parser: consumers see EVENT/ACK whatever the wire flavour was.
    packet.type = packet.type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
    this.#setPending({ packet, placeholders, received: [] });
  }

  #addAttachment(attachment: BinaryValue): void {
    const pending = this.#pending;
    if (pending === undefined) this.#fail(DEV ? "got a binary attachment while no binary packet was expecting one" : "");
    pending.received.push(attachment);
    if (pending.received.length < pending.placeholders.count) return;
    // Cleared before emitting, so a listener that throws or re-enters `add` finds a clean decoder.
    this.#setPending(undefined);
    pending.placeholders.fill(pending.received);
    this.#deliver(pending.packet);
  }

  #deliver(packet: Packet): void {
    const sink = this[kDecodeSink];
    if (sink !== undefined) sink.onDecoded(packet);
    else this._emitReserved("decoded", packet);
  }

  #fail(message: string): never {
    this.#setPending(undefined);
    throw new ProtocolError(message);
  }

  /** The only place the decoder's state changes: idle (undefined) or assembling a binary packet. */
  #setPending(pending: Pending | undefined): void {
    this.#pending = pending;
  }
}
