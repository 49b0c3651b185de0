// The WebTransport transport: Engine.IO over one bidirectional stream of an HTTP/3 WebTransport session. Each
// packet is framed as engine.io-parser's stream encoder frames it, which is what socket.io 4.7+ servers read:
// a length header (1 byte below 126; 126 + 16 bits; 127 + 64 bits, big-endian) whose top bit marks a binary
// packet, then the packet (text as UTF-8 "4hello", binary as raw bytes). The framing is written here rather
// than taken from the parser's TransformStreams: it costs a third of their bytes in the bundle and no
// byte-by-byte copy. The first packet on the stream is an "open" from the client: empty when WebTransport is
// the first transport (the server answers with the handshake), with {"sid"} when it joins an existing
// session as an upgrade (the probe follows).

import { encodePacket } from "engine.io-parser";
import type { EnginePacket, TransportName } from "../engine/types";
import { tooLargeError, TransportError } from "../errors";
import { DEV } from "../internal/dev";
import { createWebTransport, findWebTransport, type WebTransportLike } from "../platform/webtransport";
import { Transport, type TransportOptions, type TransportState } from "./transport";
import { decodeFrame } from "./websocket";

/** One packet as its frame: header and payload in one buffer (resolves later for a Blob or base64 encoding). */
export function encodeFrame(packet: EnginePacket, binary: boolean): Promise<Uint8Array> {
  return new Promise<string | ArrayBuffer | ArrayBufferView | Blob>((done) =>
    encodePacket(packet as Parameters<typeof encodePacket>[0], binary, done),
  )
    .then((data) =>
      typeof data === "string"
        ? new TextEncoder().encode(data)
        : data instanceof ArrayBuffer || ArrayBuffer.isView(data)
          ? new Uint8Array(ArrayBuffer.isView(data) ? data.buffer : data, (data as Uint8Array).byteOffset ?? 0, data.byteLength)
          : (data as Blob).arrayBuffer().then((buffer) => new Uint8Array(buffer)),
    )
    .then((payload) => {
      const length = payload.length;
      const size = length < 126 ? 1 : length < 65536 ? 3 : 9;
      const frame = new Uint8Array(size + length);
      const view = new DataView(frame.buffer);
      if (size === 1) frame[0] = length;
      else if (size === 3) {
        frame[0] = 126;
        view.setUint16(1, length);
      } else {
        frame[0] = 127;
        view.setUint32(1, Math.floor(length / 2 ** 32));
        view.setUint32(5, length >>> 0);
      }
      // A binary packet is one whose data is not text; everything else went through as "<type><text>".
      if (packet.data !== undefined && typeof packet.data !== "string" && binary) frame[0] |= 0x80;
      frame.set(payload, size);
      return frame;
    });
}

export class WebTransportTransport extends Transport {
  readonly name: TransportName = "webtransport";

  /** Whether a WebTransport can be created with these options (an implementation given, or a global one). */
  static usable(opts: TransportOptions): boolean {
    return findWebTransport(opts.webtransport?.WebTransport) !== undefined;
  }

  #session: WebTransportLike | null = null;
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** Sends not yet taken by the stream. */
  #pending = 0;
  /** The last send: the next one writes after it, so frames that encode later (Blob) keep their order. */
  #written: Promise<unknown> = Promise.resolve();
  /** Received bytes not yet parsed (chunks) and how many there are. */
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Bytes needed before parsing again: the rest of a header or of a packet. */
  #needed = 1;

  protected override isIdle(): boolean {
    return this.#pending === 0;
  }

  protected override pipelines(): boolean {
    return true;
  }

  protected override doOpen(): void {
    const { opts } = this;
    const init = opts.webtransport ?? {};
    let session: WebTransportLike;
    try {
      session = createWebTransport(init.WebTransport, this.url(), init);
    } catch (error) {
      opts.platform.nextTick(() => this.#fail(error));
      return;
    }
    this.#session = session;
    session.closed.then(
      (info) => this.#owns(session) && this.onClosedByPeer({ description: DEV ? "webtransport session closed" : "", context: info }),
      (error) => this.#owns(session) && this.#fail(error),
    );
    session.ready
      .then(() => session.createBidirectionalStream())
      .then((stream) => {
        if (!this.#owns(session)) return;
        this.#writer = stream.writable.getWriter();
        this.#read(session, (this.#reader = stream.readable.getReader()));
        const sid = this.sid;
        return this.#write(session, [sid === null ? { type: "open" } : { type: "open", data: `{"sid":"${sid}"}` }]);
      })
      .then(() => this.#owns(session) && this.onOpened(), (error) => this.#owns(session) && this.#fail(error));
  }

  /** True while `session` is this transport's current one (not released, not replaced). */
  #owns(session: WebTransportLike): boolean {
    return this.#session === session && this.state !== "closed";
  }

  #read(session: WebTransportLike, reader: ReadableStreamDefaultReader<Uint8Array>): void {
    reader.read().then(
      ({ done, value }) => {
        if (!this.#owns(session)) return;
        if (done) this.onClosedByPeer({ description: DEV ? "webtransport stream closed" : "" });
        else if (this.#receive(value)) this.#read(session, reader);
      },
      (error) => this.#owns(session) && this.#fail(error),
    );
  }

  /** Parses the frames complete so far; false when the transport closed meanwhile. */
  #receive(chunk: Uint8Array): boolean {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered < this.#needed) return true;
    // Joined once per complete frame (or frames), not once per chunk of a large one.
    let bytes = this.#chunks.length === 1 ? chunk : new Uint8Array(this.#buffered);
    if (bytes !== chunk) {
      let at = 0;
      for (const part of this.#chunks) bytes.set(part, (at += part.length) - part.length);
    }
    const limit = this.opts.maxReceiveSize ?? Infinity;
    let offset = 0;
    for (;;) {
      const available = bytes.length - offset;
      let start = offset + 1;
      let length = bytes[offset]! & 0x7f;
      if (length === 126) start += 2;
      else if (length === 127) start += 8;
      if (available < 1 || available < start - offset) {
        this.#needed = Math.max(1, start - offset);
        break;
      }
      if (length > 125) {
        const view = new DataView(bytes.buffer, bytes.byteOffset + offset + 1);
        length = length === 126 ? view.getUint16(0) : view.getUint32(0) * 2 ** 32 + view.getUint32(4);
      }
      if (length > limit) {
        this.onFailed(tooLargeError("a WebTransport packet", limit));
        return false;
      }
      if (available < start - offset + length) {
        this.#needed = start - offset + length;
        break;
      }
      const payload = bytes.subarray(start, start + length);
      const binary = bytes[offset]! > 0x7f;
      offset = start + length;
      // slice(): the parser hands an ArrayBuffer view's whole buffer on, so binary gets one of its own.
      const packet = decodeFrame(binary ? payload.slice() : new TextDecoder().decode(payload), this.opts.binaryType());
      if (!this.onPacket(packet)) return false;
    }
    bytes = bytes.subarray(offset);
    this.#chunks = bytes.length > 0 ? [bytes] : [];
    this.#buffered = bytes.length;
    return true;
  }

  #fail(cause: unknown): void {
    this.onFailed(new TransportError("webtransport error", cause));
  }

  /** Encodes `packets` and writes them after everything written before; resolves once the stream took them. */
  #write(session: WebTransportLike, packets: EnginePacket[]): Promise<unknown> {
    const binary = !this.opts.forceBase64;
    const frames = Promise.all(packets.map((packet) => encodeFrame(packet, binary)));
    return (this.#written = Promise.all([frames, this.#written]).then<unknown>(
      ([encoded]) => this.#owns(session) && Promise.all(encoded.map((frame) => this.#writer!.write(frame))),
    ));
  }

  protected override doSend(packets: EnginePacket[]): void {
    const session = this.#session!;
    this.#pending++;
    this.#write(session, packets).then(
      () => {
        if (--this.#pending === 0 && this.#owns(session)) this.onDrained();
      },
      (error) => this.#owns(session) && this.#fail(error),
    );
  }

  protected override doClose(_previous: TransportState): void {
    // Closing the session is the goodbye: the server closes the Engine.IO socket with it.
    this.release();
  }

  protected override release(): void {
    const session = this.#session;
    this.#session = null;
    this.#writer = null;
    this.#pending = 0;
    this.#chunks = [];
    this.#reader?.cancel().catch(ignore);
    this.#reader = null;
    try {
      session?.close();
    } catch {
      // Closing a session that failed to open throws in some implementations: nothing is left to close.
    }
  }
}

function ignore(): void {}
