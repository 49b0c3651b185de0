// The HTTP long-polling transport: a GET loop for receiving, batched POSTs for sending, at most one of each
// in flight, POST bodies cut to the server's maxPayload, pause() for upgrades. All HTTP goes through the
// platform's `request`, or the runtime's own when the platform has none (see Platform.request).

import type { EnginePacket, TransportName } from "../engine/types";
import { TransportError } from "../errors";
import { request as defaultRequest } from "../platform/default";
import type { HttpCallback } from "../platform/platform";
import { Transport, type TransportState } from "./transport";
import { decodeFrame, encodeAll, utf8Length } from "./wire";
import { DEV } from "../internal/dev";

export { utf8Length };

/** Engine.IO v4 payload record separator. */
const SEPARATOR = "\x1e";

/**
 * Joins encoded packets into POST bodies of at most `maxPayload` UTF-8 bytes each, keeping their order.
 * A single packet larger than the limit still goes, alone: the server is the one to refuse it.
 * `maxPayload` <= 0 means "no limit known": everything goes in one body.
 */
export function cutPayloads(records: string[], maxPayload: number): string[] {
  const bodies: string[] = [];
  /** Bytes of the last body. */
  let size = 0;
  for (const record of records) {
    const length = utf8Length(record);
    if (bodies.length && (maxPayload <= 0 || (size += 1 + length) <= maxPayload)) {
      bodies[bodies.length - 1] += SEPARATOR + record;
    } else {
      bodies.push(record);
      size = length;
    }
  }
  return bodies;
}

/** Makes every request URL unique within this process, even in the same millisecond (cache busting). */
let stamps = 0;

export class PollingTransport extends Transport {
  readonly name: TransportName = "polling";

  /** Aborts the GET in flight. */
  #get: (() => void) | undefined;
  /** Aborts the POST in flight. */
  #post: (() => void) | undefined;
  /** POST bodies waiting for their turn (one POST in flight at a time). */
  #bodies: string[] = [];
  /** True from send() until the last body of that send was acknowledged. */
  #sending = false;
  /** Set by every pause(): called once, by the check that moves "pausing" to "paused". */
  #onPaused: (() => void) | undefined;

  protected override isIdle(): boolean {
    return !this.#sending;
  }

  /** Each request's URL, with a timestamp unless `timestampRequests` is false (a WebSocket URL never has one). */
  override url(): string {
    const { opts } = this;
    // The time's base-36 digits are 8 until 2059: the counter after them keeps every stamp unique.
    return super.url(opts.timestampRequests !== false ? { [opts.timestampParam ?? "t"]: Date.now().toString(36) + ++stamps } : undefined);
  }

  /**
   * Stops polling once the in-flight GET and every queued POST have completed, then calls `onPaused`
   * (an upgrade must not lose what either direction still had in flight).
   */
  pause(onPaused: () => void): void {
    // Called once per upgrade, while open: the upgrade ends (see upgrade.ts) when polling closes.
    this.state = "pausing";
    this.#onPaused = onPaused;
    this.#checkPaused();
  }

  /** Undoes pause() when the upgrade failed: polling carries on (called only while pausing or paused). */
  resume(): void {
    this.state = "open";
    this.#poll();
    if (!this.#sending) this.drained();
  }

  protected override doOpen(): void {
    this.#poll();
  }

  override send(packets: EnginePacket[]): void {
    this.#sending = true;
    // Binary is always base64 over polling ("b" prefix).
    encodeAll(packets, false, (records) => {
      if (this.state != "closed") {
        this.#bodies.push(...cutPayloads(records as string[], this.sink!.maxPayload!()));
        this.#postNext();
      }
    });
  }

  /** After this, only the close packet's POST and the GET it waits for call back (see #request). */
  protected override release(previous?: TransportState): void {
    const abortGet = this.#get;
    this.#post?.();
    this.#bodies = [];
    // The handshake's sid is never empty.
    if ((previous == "open" || previous == "pausing") && this.sid) {
      // Tell the server, so it ends the session as "transport close" at once instead of timing out. The GET
      // stays until then: the server answers it when it handles the close packet.
      this.#request("1", () => abortGet?.());
    } else {
      abortGet?.();
    }
  }

  #poll(): void {
    this.#get ??= this.#request(undefined, (body) => {
      this.#get = undefined;
      for (const record of body.split(SEPARATOR)) {
        const packet = decodeFrame(record, this.sink?.binaryType);
        // Only the first "open" opens (opened() checks the state).
        if (packet.type == "open") this.opened();
        if (packet.type == "close") return this.close({ description: DEV ? "the server closed the polling transport" : "" });
        if (!this.packet(packet)) return;
      }
      if (this.state == "open") this.#poll();
      else this.#checkPaused();
    });
  }

  /** Sends the next body; once none is left, the send is over. */
  #postNext(): void {
    if (this.#post) return;
    const body = this.#bodies.shift();
    if (body === undefined) {
      this.#sending = false;
      this.drained();
      this.#checkPaused();
      return;
    }
    // The server answers a POST as soon as it has read it: a round trip (plus the upload), unlike the GET.
    const sent = performance.now();
    this.#post = this.#request(body, () => {
      this.#post = undefined;
      this.sink?.onTransportRtt?.(performance.now() - sent);
      this.#postNext();
    });
  }

  #checkPaused(): void {
    if (this.state == "pausing" && !this.#get && !this.#sending) {
      this.state = "paused";
      this.#onPaused!();
    }
  }

  /**
   * A GET (no body) or a POST whose 200 response body goes to `done`; anything else fails the transport. Once
   * the transport is closed, only the close packet's POST is left: its `done` releases the GET either way.
   */
  #request(body: string | undefined, done: (body: string) => void): () => void {
    const { opts } = this;
    const { platform } = opts;
    // The options go as they are (see HttpRequestInit), onto a literal: `{ ...opts, method }` would give every
    // request's object a hidden class of its own. A POST body is text: browsers label it text/plain;charset=UTF-8
    // themselves, and so does Node's request.
    const init = Object.assign({ method: body === undefined ? "GET" : "POST", url: this.url(), body } as const, opts);
    const callback: HttpCallback = (error, response) => {
      // Closed: a late answer goes to `done`, whose packets a closed transport drops (see packet()).
      if (this.state == "closed" || (!error && response?.status == 200)) return done(response?.body ?? "");
      // A body over maxReceiveSize comes back as the platform's own TransportError: keep its message.
      this.close(
        error instanceof TransportError
          ? error
          : new TransportError(body === undefined ? "xhr poll error" : "xhr post error", error ?? response?.status, response),
      );
    };
    const abort = platform.request ? platform.request(init, callback) : defaultRequest(init, callback);
    if (opts.autoUnref) platform.unref(abort);
    return abort;
  }
}
