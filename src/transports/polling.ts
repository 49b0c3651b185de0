// The HTTP long-polling transport: a GET loop for receiving, batched POSTs for sending, at most one of each
// in flight, POST bodies cut to the server's maxPayload, pause() for upgrades. All HTTP goes through the
// platform's `request`, or the runtime's own when the platform has none (see Platform.request).

import { decodePayload, encodePacket } from "engine.io-parser";
import type { EnginePacket, TransportName } from "../engine/types";
import { TransportError } from "../errors";
import { request as defaultRequest } from "../platform/default";
import type { HttpCallback, HttpRequestInit } from "../platform/platform";
import { pickConnectOptions, Transport, type TransportState } from "./transport";
import { DEV } from "../internal/dev";

/** Engine.IO v4 payload record separator. */
const SEPARATOR = "\x1e";

/** Bytes of `text` once UTF-8 encoded (what the server counts against maxHttpBufferSize). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 3; // a lone surrogate is sent as U+FFFD
      }
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Joins encoded packets into POST bodies of at most `maxPayload` UTF-8 bytes each, keeping their order.
 * A single packet larger than the limit still goes, alone: the server is the one to refuse it.
 * `maxPayload` <= 0 means "no limit known": everything goes in one body.
 */
export function cutPayloads(encoded: string[], maxPayload: number): string[] {
  const bodies: string[] = [];
  let batch: string[] = [];
  let size = 0;
  for (const record of encoded) {
    const length = utf8Length(record);
    const grown = batch.length === 0 ? length : size + SEPARATOR.length + length;
    if (batch.length > 0 && maxPayload > 0 && grown > maxPayload) {
      bodies.push(batch.join(SEPARATOR));
      batch = [record];
      size = length;
    } else {
      batch.push(record);
      size = grown;
    }
  }
  if (batch.length > 0) bodies.push(batch.join(SEPARATOR));
  return bodies;
}

let stampCounter = 0;

/** Cache-busting value: unique within this process even for requests made in the same millisecond. */
function timestamp(): string {
  stampCounter = (stampCounter + 1) % 1_679_616; // 36^4: keeps the value short
  return Date.now().toString(36) + stampCounter.toString(36);
}

function decodeBody(body: string, binaryType: string): EnginePacket[] {
  try {
    return decodePayload(body, binaryType as "nodebuffer") as EnginePacket[];
  } catch {
    return [{ type: "error", data: "parser error" }];
  }
}

export class PollingTransport extends Transport {
  readonly name: TransportName = "polling";

  #abortGet: (() => void) | null = null;
  #abortPost: (() => void) | null = null;
  /** POST bodies waiting for their turn (one POST in flight at a time). */
  #bodies: string[] = [];
  /** True from send() until the last body of that send was acknowledged. */
  #sending = false;
  #onPaused: (() => void) | null = null;

  protected override isIdle(): boolean {
    return !this.#sending;
  }

  /** Each request's URL, with a timestamp unless `timestampRequests` is false (a WebSocket URL never has one). */
  override url(): string {
    const { opts } = this;
    return super.url(opts.timestampRequests ? { [opts.timestampParam]: timestamp() } : undefined);
  }

  /**
   * Stops polling once the in-flight GET and every queued POST have completed, then calls `onPaused`
   * (an upgrade must not lose what either direction still had in flight).
   */
  pause(onPaused: () => void): void {
    if (this.state !== "open") return;
    this.setState("pausing");
    this.#onPaused = onPaused;
    this.#checkPaused();
  }

  /** Undoes pause() when the upgrade failed: polling carries on. */
  resume(): void {
    if (this.state !== "pausing" && this.state !== "paused") return;
    this.#onPaused = null;
    this.setState("open");
    this.#poll();
    if (!this.#sending) this.onDrained();
  }

  protected override doOpen(): void {
    this.#poll();
  }

  protected override doSend(packets: EnginePacket[]): void {
    this.#sending = true;
    const records: string[] = new Array<string>(packets.length);
    let pending = packets.length;
    const allEncoded = (): void => {
      if (this.state === "closed") return;
      this.#bodies.push(...cutPayloads(records, this.opts.maxPayload()));
      this.#post();
    };
    if (pending === 0) {
      this.#sending = false;
      this.opts.platform.nextTick(() => this.onDrained());
      return;
    }
    // Binary is always base64 over polling ("b" prefix); encoding may complete asynchronously (Blobs).
    packets.forEach((packet, index) => {
      encodePacket(packet as Parameters<typeof encodePacket>[0], false, (record: string) => {
        records[index] = record;
        if (--pending === 0) allEncoded();
      });
    });
  }

  protected override doClose(previous: TransportState): void {
    // Released like after a failure, except the GET, which may have to wait for the close packet below.
    const abortGet = this.#abortGet;
    this.#abortGet = null;
    this.release();
    if ((previous === "open" || previous === "pausing") && this.sid !== null) {
      // Tell the server, so it ends the session as "transport close" at once instead of timing out. The GET
      // stays until then: the server answers it when it handles the close packet.
      const abortClose = this.#request({ method: "POST", body: "1" }, () => abortGet?.());
      if (this.opts.autoUnref) this.opts.platform.unref(abortClose);
    } else {
      abortGet?.();
    }
  }

  protected override release(): void {
    this.#abortGet?.();
    this.#abortGet = null;
    this.#abortPost?.();
    this.#abortPost = null;
    this.#bodies = [];
    this.#sending = false;
    this.#onPaused = null;
  }

  #poll(): void {
    if (this.#abortGet !== null) return;
    this.#abortGet = this.#request({ method: "GET" }, (error, response) => {
      this.#abortGet = null;
      if (error || response === undefined) {
        // A body over maxReceiveSize comes back as the platform's own TransportError: keep its message.
        this.onFailed(error instanceof TransportError ? error : new TransportError("xhr poll error", error));
        return;
      }
      if (response.status !== 200) {
        this.onFailed(new TransportError("xhr poll error", response.status, response));
        return;
      }
      this.#receive(response.body);
      if (this.state === "open") this.#poll();
      else if (this.state === "pausing") this.#checkPaused();
    });
  }

  #receive(body: string): void {
    for (const packet of decodeBody(body, this.opts.binaryType())) {
      if (this.state === "opening" && packet.type === "open") this.onOpened();
      if (packet.type === "close") {
        this.onClosedByPeer({ description: DEV ? "the server closed the polling transport" : "" });
        return;
      }
      if (!this.onPacket(packet)) return;
    }
  }

  #post(): void {
    if (this.#abortPost !== null) return;
    const body = this.#bodies.shift();
    if (body === undefined) return;
    // The server answers a POST as soon as it has read it: a round trip (plus the upload), unlike the GET.
    const sent = performance.now();
    this.#abortPost = this.#request(
      { method: "POST", body, headers: { "Content-Type": "text/plain;charset=UTF-8" } },
      (error, response) => {
        this.#abortPost = null;
        if (error || response === undefined) {
          this.onFailed(new TransportError("xhr post error", error));
          return;
        }
        if (response.status !== 200) {
          this.onFailed(new TransportError("xhr post error", response.status, response));
          return;
        }
        this.sink?.onTransportRtt?.(performance.now() - sent);
        if (this.#bodies.length > 0) {
          this.#post();
          return;
        }
        this.#sending = false;
        this.onDrained();
        if (this.state === "pausing") this.#checkPaused();
      },
    );
  }

  #checkPaused(): void {
    if (this.state !== "pausing" || this.#abortGet !== null || this.#sending) return;
    this.setState("paused");
    const onPaused = this.#onPaused;
    this.#onPaused = null;
    onPaused?.();
  }

  #request(
    init: Pick<HttpRequestInit, "method" | "body" | "headers">,
    callback: HttpCallback,
  ): () => void {
    const { opts } = this;
    const request: HttpRequestInit = {
      ...pickConnectOptions(opts),
      method: init.method,
      url: this.url(),
      withCredentials: opts.withCredentials,
    };
    if (opts.maxReceiveSize !== undefined) request.maxBodyBytes = opts.maxReceiveSize;
    if (opts.client !== undefined) request.client = opts.client;
    if (init.body !== undefined) request.body = init.body;
    const headers = { ...opts.extraHeaders, ...init.headers };
    if (Object.keys(headers).length > 0) request.headers = headers;
    const { platform } = opts;
    const abort = platform.request ? platform.request(request, callback) : defaultRequest(request, callback);
    if (opts.autoUnref) platform.unref(abort);
    return abort;
  }
}
