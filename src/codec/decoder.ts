// Turns Socket.IO v5 wire chunks back into packets, refusing anything malformed with a ProtocolError.

import { Emitter } from "@socket.io/component-emitter";
import { invalidArg, ProtocolError } from "../errors";
import { DEV } from "../internal/dev";
import { findPlaceholders, isBinary, type Slot } from "./binary";
import { contentProblem, kind, typeName, type Decoder as DecoderContract, type DecoderEvents, type Packet } from "./packet";
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

/** Short, log-safe rendering of untrusted input for error messages. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** The index after the decimal digits starting at `i`. */
function digits(str: string, i: number): number {
  for (let c = str.charCodeAt(i); c >= 0x30 && c <= 0x39; c = str.charCodeAt(++i));
  return i;
}

/** Reads one text chunk: `<type>[<attachments>-][<nsp>,][<id>][<JSON>]`. */
function parse(str: string, maxAttachments: number): Packet {
  const type = str.charCodeAt(0) - 0x30;
  if (!(type >= 0 && type <= 6)) {
    throw new ProtocolError(DEV ? (str === "" ? "empty packet" : `unknown packet type ${quote(str.charAt(0))}`) : str.charAt(0));
  }
  let i = 1;
  let attachments: number | undefined;
  if (type > 4) {
    i = digits(str, 1);
    // No digits: Number("") is 0, refused with the rest.
    attachments = str.charCodeAt(i) === 0x2d /* "-" */ ? Number(str.slice(1, i)) : 0;
    if (!(attachments > 0 && attachments <= maxAttachments)) {
      throw new ProtocolError(
        DEV
          ? i === 1 || str.charCodeAt(i) !== 0x2d
            ? `${typeName(type)} packet must start with an attachment count and "-", got ${quote(str)}`
            : attachments === 0
              ? `${typeName(type)} packet declares zero attachments`
              : `${typeName(type)} packet declares ${quote(str.slice(1, i))} attachments, more than the limit of ${maxAttachments}`
          : `${type} ${str.slice(1, i)}`,
      );
    }
    i++;
  }

  let nsp = "/";
  if (str.charCodeAt(i) === 0x2f /* "/" */) {
    // Our encoder always ends the namespace with ","; other encoders may leave it out when nothing follows.
    let comma = str.indexOf(",", i);
    if (comma < 0) comma = str.length;
    nsp = str.slice(i, comma);
    // Past the end when there was no ",": nothing more is read.
    i = comma + 1;
  }

  let id: number | undefined;
  const idStart = i;
  i = digits(str, i);
  // An id past Number.MAX_SAFE_INTEGER is refused by contentProblem below, with the rest of the ack id rules.
  if (i > idStart) id = Number(str.slice(idStart, i));

  let data: unknown;
  if (i < str.length) {
    const json = str.slice(i);
    // JSON.parse tolerates surrounding whitespace; no Socket.IO encoder emits it, so it is refused as garbage.
    if (json.trim() !== json) throw new ProtocolError(DEV ? `${typeName(type)} packet has whitespace around its JSON payload` : `${type}`);
    try {
      data = JSON.parse(json);
    } catch (err) {
      throw new ProtocolError(DEV ? jsonProblem(typeName(type), str, nsp, i, idStart, err) : `${type}`, { cause: err });
    }
  }

  const problem = contentProblem(type, data, id);
  if (problem !== undefined) throw new ProtocolError(problem);
  const packet: Packet = { type: type as Packet["type"], nsp };
  if (data !== undefined) packet.data = data;
  if (id !== undefined) packet.id = id;
  if (attachments !== undefined) packet.attachments = attachments;
  return packet;
}

/** The development message for a payload JSON.parse refused; production builds leave it out. */
function jsonProblem(name: string | number, str: string, nsp: string, i: number, idStart: number, err: unknown): string {
  // "21-[...]": an attachment count on a packet type that has none reads as an id followed by "-".
  if (i > idStart && idStart === 1 && str.charCodeAt(i) === 0x2d) return `${name} packet is not binary but carries an attachment count`;
  // "2admin,[...]": a namespace without its leading "/" reads as text before a ",".
  const bare = nsp === "/" && i === idStart ? /^[^[{",]+,/.exec(str.slice(i)) : null;
  if (bare !== null) return `namespace must start with "/", got ${quote(bare[0].slice(0, -1))}`;
  return `${name} packet has an invalid JSON payload (${err instanceof Error ? err.message : String(err)})`;
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
  /** @internal See kDecodeSink: the decoder itself (which emits "decoded") until the Manager sets itself. */
  [kDecodeSink]: DecodeSink = this;
  readonly #maxAttachments: number;
  /** The binary packet being assembled: its text part and where each attachment still expected goes, in order. */
  #pending: [packet: Packet, slots: Slot[]] | undefined;

  constructor({ maxAttachments = DEFAULT_MAX_ATTACHMENTS }: DecoderOptions = {}) {
    super();
    if (!(Number.isSafeInteger(maxAttachments) && maxAttachments >= 0)) {
      throw invalidArg(DEV ? `maxAttachments must be a non-negative integer, got ${String(maxAttachments)}` : String(maxAttachments));
    }
    this.#maxAttachments = maxAttachments;
  }

  /**
   * Takes one chunk: a packet's text, or one binary attachment of the packet being assembled.
   * @throws ProtocolError when the chunk is invalid or unexpected; a partial binary packet is dropped.
   */
  add(chunk: unknown): void {
    const pending = this.#pending;
    let packet: Packet;
    if (typeof chunk === "string" && pending === undefined) {
      packet = parse(chunk, this.#maxAttachments);
      if (packet.attachments !== undefined) {
        // Placeholders are checked now, so a bad packet fails on its text rather than after its attachments.
        this.#pending = [packet, findPlaceholders(packet.data, packet.attachments)];
        // Same convention as socket.io-parser: consumers see EVENT/ACK whatever the wire flavour was.
        (packet as { type: number }).type -= 3;
        return;
      }
    } else if (pending !== undefined && isBinary(chunk)) {
      const [assembled, slots] = pending;
      // Each key is an own data property of its holder (JSON.parse makes only those, "__proto__" included), so
      // assignment replaces the placeholder and never reaches a setter. A packet dropped halfway is never seen.
      const [holder, key] = slots.shift()!;
      (holder as Record<string, unknown>)[key] = chunk;
      if (slots.length > 0) return;
      // Cleared before delivering, so a listener that throws or re-enters `add` finds a clean decoder.
      this.#pending = undefined;
      packet = assembled;
    } else {
      // A partial binary packet is dropped: the decoder stays usable.
      this.#pending = undefined;
      throw new ProtocolError(
        DEV
          ? typeof chunk === "string"
            ? `got a text packet while ${pending![1].length} binary attachment(s) were still expected`
            : isBinary(chunk)
              ? "got a binary attachment while no binary packet was expecting one"
              : `cannot decode a chunk of type ${kind(chunk)}: expected a string or binary data`
          : typeof chunk,
      );
    }
    this[kDecodeSink].onDecoded(packet);
  }

  /** @internal The DecodeSink of a decoder nobody set one on: emits `decoded`. */
  onDecoded(packet: Packet): void {
    this._emitReserved("decoded", packet);
  }

  /** Drops a partially received binary packet. The decoder stays usable. */
  destroy(): void {
    this.#pending = undefined;
  }
}
