// The WebSocket transport: one Engine.IO packet per frame, binary as binary frames unless forceBase64.

import { decodePacket, encodePacket } from "engine.io-parser";
import type { EnginePacket, TransportName } from "../engine/types";
import { tooLargeError, TransportError } from "../errors";
import type { WebSocketInit, WebSocketLike } from "../platform/platform";
import { utf8Length } from "./polling";
import { pickConnectOptions, Transport, type TransportState } from "./transport";
import { DEV } from "../internal/dev";

type Frame = string | ArrayBuffer | ArrayBufferView | Blob;

/** A decode failure becomes the parser's error packet, which the session turns into "parse error". */
export function decodeFrame(data: unknown, binaryType: string): EnginePacket {
  try {
    return decodePacket(data as string, binaryType as "nodebuffer") as EnginePacket;
  } catch {
    return { type: "error", data: "parser error" };
  }
}

/** Size in bytes of a received frame, computed only as far as needed to compare it with `limit`. */
function exceeds(data: unknown, limit: number): boolean {
  if (typeof data === "string") {
    // UTF-8 takes 1 to 3 bytes per UTF-16 unit: only strings in between need counting.
    if (data.length > limit) return true;
    if (data.length * 3 <= limit) return false;
    return utf8Length(data) > limit;
  }
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength > limit;
  if (typeof Blob !== "undefined" && data instanceof Blob) return data.size > limit;
  return false;
}

/**
 * The transport a socket reports to, kept on the socket itself: its handlers are then shared functions that
 * find their transport through `this` (a WebSocket calls its handlers on itself), not closures per connection
 * (about 400 bytes on every client of a load test). Unset once the transport lets go of the socket.
 */
const kTransport = Symbol("siolink.transport");

type OwnedSocket = WebSocketLike & { [kTransport]?: WebSocketTransport | undefined };

/** `ws` in Node turns an error event nobody listens to into an uncaught exception: a released socket keeps this. */
function ignoreError(): void {}

export class WebSocketTransport extends Transport {
  readonly name: TransportName = "websocket";

  #ws: WebSocketLike | null = null;
  /** Sends whose frames wait for an asynchronous encoding (Blob to base64): later sends must wait for them. */
  #encoding = 0;
  /** A drain is due at the next tick, for every frame passed to the socket until then. */
  #drainDue = false;
  /**
   * Whether the first ping frame went out. It waits for the first message packet (the namespace CONNECT reply),
   * not the WebSocket `open`: a frame at open is a second write on the critical path, and its PONG often comes
   * ahead of the CONNECT reply.
   */
  #pinged = false;

  protected override isIdle(): boolean {
    return this.#encoding === 0 && !this.#drainDue;
  }

  protected override pipelines(): boolean {
    // The socket keeps frames in order; only a send still encoding could be overtaken.
    return this.#encoding === 0;
  }

  protected override doOpen(): void {
    const { opts } = this;
    let ws: WebSocketLike;
    try {
      const init: WebSocketInit = pickConnectOptions(opts);
      if (opts.protocols !== undefined) init.protocols = opts.protocols;
      if (opts.extraHeaders !== undefined) init.headers = opts.extraHeaders;
      if (opts.perMessageDeflate !== undefined) init.perMessageDeflate = opts.perMessageDeflate;
      if (opts.maxReceiveSize !== undefined) init.maxPayload = opts.maxReceiveSize;
      ws = opts.platform.createWebSocket(this.url(), init);
    } catch (error) {
      // A bad URL or a missing WebSocket must not throw out of open(): report it like a connection failure.
      opts.platform.nextTick(() => this.onFailed(new TransportError("websocket error", error)));
      return;
    }
    this.#ws = ws;
    try {
      ws.binaryType = this.#socketBinaryType();
    } catch {
      // Browsers refuse unknown binary types; the default still decodes correctly.
    }
    if (opts.autoUnref) opts.platform.unref(ws);
    (ws as OwnedSocket)[kTransport] = this;
    ws.onopen = WebSocketTransport.#onSocketOpen;
    ws.onmessage = WebSocketTransport.#onSocketMessage;
    ws.onerror = WebSocketTransport.#onSocketError;
    ws.onclose = WebSocketTransport.#onSocketClose;
  }

  // The socket's handlers: `this` is the socket (see kTransport).

  static #onSocketOpen(this: OwnedSocket): void {
    const transport = this[kTransport];
    if (transport === undefined) return;
    transport.onOpened();
  }

  static #onSocketMessage(this: OwnedSocket, event: { data: unknown }): void {
    const transport = this[kTransport];
    if (transport === undefined) return;
    const { opts } = transport;
    const limit = opts.maxReceiveSize;
    // Where the platform could not refuse the frame while reading it (browsers), refuse it now.
    if (limit !== undefined && exceeds(event.data, limit)) {
      transport.onFailed(tooLargeError("a WebSocket frame", limit));
      return;
    }
    const packet = decodeFrame(event.data, opts.binaryType());
    // The server's heartbeat sets the pace of our own pings: no timer of our own.
    if (packet.type === "ping") transport.#ping(this);
    transport.onPacket(packet);
    // The first ping frame, once the connection's first message packet has been handled (see #pinged).
    if (!transport.#pinged && packet.type === "message") transport.#ping(this);
  }

  static #onSocketError(this: OwnedSocket, event: unknown): void {
    // The platform reports a frame over maxPayload as a TransportError of its own: keep its message.
    this[kTransport]?.onFailed(event instanceof TransportError ? event : new TransportError("websocket error", event));
  }

  static #onSocketClose(this: OwnedSocket, event: unknown): void {
    this[kTransport]?.onClosedByPeer({ description: DEV ? "websocket connection closed" : "", context: event });
  }

  /**
   * Times a round trip with a WebSocket ping frame where the platform can send them (Node): the server's
   * WebSocket library answers it, so this needs nothing from the server's code.
   */
  #ping(ws: WebSocketLike): void {
    this.#pinged = true;
    ws.ping?.((ms) => this.sink?.onTransportRtt?.(ms));
  }

  protected override doSend(packets: EnginePacket[]): void {
    const frames: Frame[] = new Array<Frame>(packets.length);
    // Encoding may complete asynchronously (Blob to base64 in browsers): the frames go out in order once all
    // are ready, and no later send may overtake them meanwhile. `pending` counts this loop as well.
    let pending = 1;
    this.#encoding++;
    const encoded = (): void => {
      if (--pending > 0) return;
      this.#encoding--;
      this.#sendFrames(frames);
    };
    packets.forEach((packet, index) => {
      pending++;
      encodePacket(packet as Parameters<typeof encodePacket>[0], !this.opts.forceBase64, (frame: Frame) => {
        frames[index] = frame;
        encoded();
      });
    });
    encoded();
  }

  #sendFrames(frames: readonly Frame[]): void {
    const ws = this.#ws;
    if (ws === null || this.state === "closed") return;
    try {
      if (ws.sendBatch !== undefined) ws.sendBatch(frames);
      else for (const frame of frames) ws.send(frame);
    } catch (error) {
      this.onFailed(new TransportError("websocket error", error));
      return;
    }
    if (this.#drainDue) return;
    // The socket buffers the frames; report the drain after the caller's stack so it sees a consistent
    // state, once for all the sends made until then.
    this.#drainDue = true;
    this.opts.platform.nextTick(() => {
      if (!this.#drainDue) return;
      this.#drainDue = false;
      this.onDrained();
    });
  }

  protected override doClose(_previous: TransportState): void {
    // A WebSocket needs no close packet: the close frame is the goodbye.
    this.release();
  }

  protected override release(): void {
    const ws = this.#ws;
    this.#ws = null;
    this.#drainDue = false;
    if (ws === null) return;
    (ws as OwnedSocket)[kTransport] = undefined;
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = ignoreError;
    if (ws.readyState <= 1) {
      try {
        ws.close(1000, "");
      } catch {
        // The socket failed in a way that leaves nothing to close.
      }
    }
  }

  #socketBinaryType(): string {
    const wanted = this.opts.binaryType();
    if (wanted === "blob" || wanted === "arraybuffer") return wanted;
    return this.opts.platform.defaultBinaryType;
  }
}
