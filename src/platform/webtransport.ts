// Where a WebTransport comes from. Browsers (Chromium, Firefox) have a global `WebTransport`; Node has none,
// so there the user passes an implementation (`transportOptions.webtransport.WebTransport`, e.g. the class of
// @fails-components/webtransport). Deno has the global under `--unstable-net`. Only the WebTransport
// transport imports this module, so entries that do not link that transport carry none of it.

/** What the transport uses of a WebTransport session (the W3C interface; implementations provide more). */
export interface WebTransportLike {
  readonly ready: Promise<unknown>;
  readonly closed: Promise<unknown>;
  createBidirectionalStream(): Promise<{ readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }>;
  close(info?: { closeCode?: number; reason?: string }): void;
}

/** A WebTransport class: the browser global or an implementation with the same constructor. */
export type WebTransportConstructor = new (url: string, options?: object) => WebTransportLike;

/** `impl` when given, else the runtime's global; undefined when there is neither. */
export function findWebTransport(impl: WebTransportConstructor | undefined): WebTransportConstructor | undefined {
  return impl ?? (globalThis as { WebTransport?: WebTransportConstructor }).WebTransport;
}
