// The WebSocket transport: one Engine.IO packet per frame, binary as binary frames unless forceBase64.

import type { EnginePacket, TransportName } from "../engine/types";
import { tooLargeError, TransportError } from "../errors";
import type { WebSocketLike } from "../platform/platform";
import { Transport } from "./transport";
import { decodeFrame, encodeAll, utf8Length } from "./wire";
import { DEV } from "../internal/dev";

/**
 * The transport a socket reports to, kept on the socket itself: its handlers are then shared functions that
 * find their transport through `this` (a WebSocket calls its handlers on itself), not closures per connection
 * (about 400 bytes on every client of a load test). Unset once the transport lets go of the socket.
 */
const kTransport = Symbol();

type OwnedSocket = WebSocketLike & { [kTransport]?: WebSocketTransport | undefined };

/** `ws` in Node turns an error event nobody listens to into an uncaught exception: a released socket keeps this. */
function ignoreError(): void {}

export class WebSocketTransport extends Transport {
  readonly name: TransportName = "websocket";

  #ws: WebSocketLike | undefined;
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

  // The socket's handlers: `this` is the socket (see kTransport).

  // The transport is set while the handlers are: release() clears both.

  static #onSocketOpen(this: OwnedSocket): void {
    this[kTransport]!.opened();
  }

  static #onSocketMessage(this: OwnedSocket, { data }: { data: unknown }): void {
    const transport = this[kTransport]!;
    // Undefined when there is no limit: every comparison below is then false.
    const limit = transport.opts.maxReceiveSize!;
    // Where the platform could not refuse the frame while reading it (browsers), refuse it now. UTF-8 takes 1 to
    // 3 bytes per UTF-16 unit of a string: only strings that could pass the limit need counting.
    if (
      typeof data == "string"
        ? data.length * 3 > limit && utf8Length(data) > limit
        : ((data as ArrayBuffer).byteLength ?? (data as Blob).size) > limit
    ) {
      return transport.close(tooLargeError(DEV ? "a WebSocket frame" : "", limit));
    }
    const packet = decodeFrame(data, transport.sink?.binaryType);
    // The server's heartbeat sets the pace of our own pings: no timer of our own.
    if (packet.type == "ping") transport.#ping(this);
    transport.packet(packet);
    // The first ping frame, once the connection's first message packet has been handled (see #pinged).
    if (!transport.#pinged && packet.type == "message") transport.#ping(this);
  }

  static #onSocketError(this: OwnedSocket, event: unknown): void {
    this[kTransport]!.#fail(event);
  }

  static #onSocketClose(this: OwnedSocket, event: unknown): void {
    this[kTransport]!.close({ description: DEV ? "websocket connection closed" : "", context: event });
  }

  /** The platform reports a frame over maxPayload as a TransportError of its own: it keeps its message. */
  #fail(error: unknown): void {
    this.close(error instanceof TransportError ? error : new TransportError("websocket error", error));
  }

  protected override isIdle(): boolean {
    return !this.#encoding && !this.#drainDue;
  }

  override get pipelinable(): boolean {
    // The socket keeps frames in order; only a send still encoding could be overtaken.
    return !this.#encoding;
  }

  protected override doOpen(): void {
    const { opts } = this;
    let ws: OwnedSocket;
    try {
      // The options go as they are: a platform reads only the fields it knows (see WebSocketInit).
      ws = this.#ws = opts.platform.createWebSocket(this.url(), opts);
    } catch (error) {
      // A bad URL or a missing WebSocket must not throw out of open(): report it like a connection failure.
      opts.platform.nextTick(() => this.#fail(error));
      return;
    }
    const wanted = this.sink!.binaryType;
    try {
      ws.binaryType = wanted == "nodebuffer" ? opts.platform.defaultBinaryType : wanted;
    } catch {
      // Browsers refuse unknown binary types; the default still decodes correctly.
    }
    if (opts.autoUnref) opts.platform.unref(ws);
    ws[kTransport] = this;
    ws.onopen = WebSocketTransport.#onSocketOpen;
    ws.onmessage = WebSocketTransport.#onSocketMessage;
    ws.onerror = WebSocketTransport.#onSocketError;
    ws.onclose = WebSocketTransport.#onSocketClose;
  }

  /**
   * Times a round trip with a WebSocket ping frame where the platform can send them (Node): the server's
   * WebSocket library answers it, so this needs nothing from the server's code.
   */
  #ping(ws: WebSocketLike): void {
    this.#pinged = true;
    ws.ping?.((ms) => this.sink?.onTransportRtt?.(ms));
  }

  override send(packets: EnginePacket[]): void {
    // Encoding may complete asynchronously (Blob to base64 in browsers): the frames go out in order once all
    // are ready, and no later send may overtake them meanwhile.
    this.#encoding++;
    encodeAll(packets, !this.opts.forceBase64, (frames) => {
      this.#encoding--;
      // Sends start once open, when the socket exists; the state says whether it is still ours.
      const ws = this.#ws!;
      if (this.state == "closed") return;
      try {
        if (ws.sendBatch) ws.sendBatch(frames);
        else for (const frame of frames) ws.send(frame);
      } catch (error) {
        return this.#fail(error);
      }
      if (this.#drainDue) return;
      // The socket buffers the frames; report the drain after the caller's stack so it sees a consistent
      // state, once for all the sends made until then.
      this.#drainDue = true;
      this.opts.platform.nextTick(() => {
        this.#drainDue = false;
        // Nothing once closed meanwhile (see drained()).
        this.drained();
      });
    });
  }

  /** A WebSocket needs no close packet: the close frame is the goodbye. */
  protected override release(): void {
    const ws = this.#ws as OwnedSocket | undefined;
    if (!ws) return;
    ws[kTransport] = undefined;
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = ignoreError;
    if (ws.readyState < 2) {
      try {
        ws.close(1000, "");
      } catch {
        // The socket failed in a way that leaves nothing to close.
      }
    }
  }
}
