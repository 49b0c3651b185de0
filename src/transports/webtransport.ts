// The WebTransport transport: Engine.IO over one bidirectional stream of an HTTP/3 WebTransport session. Each
// packet is framed as engine.io-parser's stream encoder frames it, which is what socket.io 4.7+ servers read:
// a length header (1 byte below 126; 126 + 16 bits; 127 + 64 bits, big-endian) whose top bit marks a binary
// packet, then the packet (text as UTF-8 "4hello", binary as raw bytes). The framing is written here rather
// than taken from the parser's TransformStreams: it costs a third of their bytes in the bundle and no
// byte-by-byte copy. The first packet on the stream is an "open" from the client: empty when WebTransport is
// the first transport (the server answers with the handshake), with {"sid"} when it joins an existing
// session as an upgrade (the probe follows).

import type { EnginePacket, TransportName } from "../engine/types";
import { invalidState, tooLargeError, TransportError } from "../errors";
import { DEV } from "../internal/dev";
import { findWebTransport, type WebTransportLike } from "../platform/webtransport";
import { Transport, type TransportOptions } from "./transport";
import { decodeFrame, encodeAll, type Frame } from "./wire";

// One for every WebTransport connection: it keeps no state between calls.
let textDecoder: TextDecoder | undefined;

/** One encoded packet as its frame: header and payload in one buffer. */
async function toFrame(data: Frame): Promise<Uint8Array> {
  // A Blob turns all of them (text as UTF-8, buffers, views, Blobs) into bytes; a copy, but only on sending.
  const payload = new Uint8Array(await new Blob([data as BlobPart]).arrayBuffer());
  const length = payload.length;
  const size = length < 126 ? 1 : length < 65536 ? 3 : 9;
  const frame = new Uint8Array(size + length);
  // The length, big-endian, after the first byte (Uint8Array keeps the low 8 bits of each value).
  for (let at = size, rest = length; --at; rest = Math.floor(rest / 256)) frame[at] = rest;
  // A binary packet is one the encoder left as bytes; everything else went through as "<type><text>".
  frame[0] = (size < 3 ? length : size < 9 ? 126 : 127) | (typeof data == "string" ? 0 : 0x80);
  frame.set(payload, size);
  return frame;
}

export class WebTransportTransport extends Transport {
  readonly name: TransportName = "webtransport";

  /** Whether a WebTransport can be created with these options (an implementation given, or a global one). */
  static usable(opts: Pick<TransportOptions, "transportOptions">): boolean {
    return !!findWebTransport(opts.transportOptions?.webtransport?.WebTransport);
  }

  #session: WebTransportLike | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** Sends not yet taken by the stream. */
  #pending = 0;
  /** The last send: the next one writes after it, so frames that encode later (Blob) keep their order. */
  #written: Promise<unknown> | undefined;
  /** Received bytes not yet parsed (chunks) and how many there are. */
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Bytes needed before parsing again: the rest of a header or of a packet. */
  #needed = 1;

  protected override isIdle(): boolean {
    return !this.#pending;
  }

  override get pipelinable(): boolean {
    return true;
  }

  protected override doOpen(): void {
    // Its synchronous part (up to the first await) creates the session: close() from here on closes it. Once
    // the transport is closed, nothing the session's promises report matters any more (close() does nothing then).
    this.#run().catch(this.#fail);
  }

  #fail = (error: unknown): void => this.close(new TransportError("webtransport error", error));

  async #run(): Promise<void> {
    // Passed on as the WebTransport's options: what the user gave (its fields are also merged into this.opts).
    const init = this.opts.transportOptions?.webtransport ?? {};
    const WebTransport = findWebTransport(init.WebTransport);
    // Rejects #run(): the transport fails with this as its cause.
    if (!WebTransport) {
      throw invalidState(DEV ? "no WebTransport in this runtime: pass an implementation as transportOptions.webtransport.WebTransport" : "");
    }
    const session = (this.#session = new WebTransport(this.url(), init));
    session.closed.then((info) => this.close({ description: DEV ? "webtransport session closed" : "", context: info }), this.#fail);
    await session.ready;
    const stream = await session.createBidirectionalStream();
    if (this.state == "closed") return;
    this.#writer = stream.writable.getWriter();
    const reader = (this.#reader = stream.readable.getReader());
    const { sid } = this;
    // No data (null) encodes as a bare "0".
    await this.#write([{ type: "open", data: (sid && `{"sid":"${sid}"}`) as string }]);
    this.opened();
    // Once closed, release() has cancelled the reader: the next read is done, and close() below does nothing.
    for (let chunk; !(chunk = await reader.read()).done; ) this.#receive(chunk.value);
    this.close({ description: DEV ? "webtransport stream closed" : "" });
  }

  /** Parses the frames complete so far; stops once the transport closed meanwhile. */
  #receive(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    if ((this.#buffered += chunk.length) < this.#needed) return;
    // Joined once per complete frame (or frames), not once per chunk of a large one.
    let bytes = chunk;
    if (this.#chunks.length > 1) {
      bytes = new Uint8Array(this.#buffered);
      let at = 0;
      for (const part of this.#chunks) bytes.set(part, (at += part.length) - part.length);
    }
    // Undefined when there is no limit: the comparison below is then false.
    const limit = this.opts.maxReceiveSize!;
    let offset = 0;
    for (;;) {
      const available = bytes.length - offset;
      // Past the end, the header byte reads as undefined, which masks to 0: one byte needed.
      let length = bytes[offset]! & 0x7f;
      const start = length < 126 ? 1 : length < 127 ? 3 : 9;
      if (available < start) {
        this.#needed = start;
        break;
      }
      if (start > 1) {
        length = 0;
        for (let at = 1; at < start; at++) length = length * 256 + bytes[offset + at]!;
      }
      if (length > limit) {
        this.close(tooLargeError(DEV ? "a WebTransport packet" : "", limit));
        return;
      }
      if (available < start + length) {
        this.#needed = start + length;
        break;
      }
      const binary = bytes[offset]! > 0x7f;
      const payload = bytes.subarray((offset += start), (offset += length));
      // slice(): the parser hands an ArrayBuffer view's whole buffer on, so binary gets one of its own.
      if (!this.packet(decodeFrame(binary ? payload.slice() : (textDecoder ??= new TextDecoder()).decode(payload), this.sink?.binaryType))) return;
    }
    bytes = bytes.subarray(offset);
    this.#chunks = bytes.length ? [bytes] : [];
    this.#buffered = bytes.length;
  }

  /** Encodes `packets` and writes them after everything written before; resolves once the stream took them. */
  #write(packets: EnginePacket[]): Promise<unknown> {
    const frames = new Promise<Frame[]>((done) => encodeAll(packets, !this.opts.forceBase64, done)).then((encoded) =>
      Promise.all(encoded.map(toFrame)),
    );
    return (this.#written = Promise.all([frames, this.#written /* none yet: nothing to wait for */]).then<unknown>(
      ([framed]) => this.state != "closed" && Promise.all(framed.map((frame) => this.#writer!.write(frame))),
    ));
  }

  override send(packets: EnginePacket[]): void {
    this.#pending++;
    this.#write(packets).then(
      () => --this.#pending || this.drained(),
      this.#fail,
    );
  }

  /** Closing the session is the goodbye: the server closes the Engine.IO socket with it. */
  protected override release(): void {
    // Whatever the cancel reports comes after the close: close() ignores it.
    this.#reader?.cancel().catch(this.#fail);
    try {
      this.#session?.close();
    } catch {
      // Closing a session that failed to open throws in some implementations: nothing is left to close.
    }
  }
}
