// The browser Platform: native WebSocket, XMLHttpRequest (or fetch in workers) for polling, page lifecycle hooks.
// Every global is read when a function runs, never at import time, so server-side rendering can import siolink.

import { invalidState, tooLargeError, TransportError } from "../errors";
import type { HttpCallback, HttpPlatform, HttpRequestInit, Platform, WebSocketInit, WebSocketLike } from "./platform";
import { DEV } from "../internal/dev";

type LifecycleEvent = "beforeunload" | "offline" | "online" | "visibilitychange";

/** What we need of a global scope (window, worker self) to listen for lifecycle events. */
interface EventScope {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

function eventScope(): EventScope | undefined {
  const scope = globalThis as Partial<EventScope>;
  return typeof scope.addEventListener === "function" && typeof scope.removeEventListener === "function"
    ? (scope as EventScope)
    : undefined;
}

function createWebSocket(url: string, init: WebSocketInit): WebSocketLike {
  const Ctor = globalThis.WebSocket;
  if (typeof Ctor !== "function") {
    throw invalidState(DEV ? 'no global WebSocket in this runtime: use transports: ["polling"]' : "");
  }
  // Browsers decide upgrade headers, cookies and compression themselves: only protocols can be passed.
  const socket = init.protocols === undefined ? new Ctor(url) : new Ctor(url, init.protocols);
  // The DOM typings declare `this`-bound handlers; the runtime object fits WebSocketLike exactly.
  return socket as unknown as WebSocketLike;
}

function requestFailed(init: HttpRequestInit, cause?: unknown): TransportError {
  return new TransportError(DEV ? `${init.method} ${init.url} failed: network error` : `${init.method} ${init.url}`, cause);
}

function tooLarge(received: string, limit: number): TransportError {
  return tooLargeError(`a polling response (${received})`, limit);
}

/** Whether a decoded body is over `limit` UTF-8 bytes; encodes it only when its length alone cannot tell. */
function overLimit(text: string, limit: number | undefined): boolean {
  if (limit === undefined || text.length * 3 <= limit) return false;
  return text.length > limit || new TextEncoder().encode(text).byteLength > limit;
}

function requestWithXhr(init: HttpRequestInit, callback: HttpCallback): () => void {
  const xhr = new XMLHttpRequest();
  const limit = init.maxBodyBytes;
  let settled = false;
  const stop = (): boolean => {
    if (settled) return false;
    settled = true;
    xhr.onreadystatechange = xhr.onprogress = xhr.onload = xhr.onerror = xhr.onabort = null;
    return true;
  };
  const fail = (error: Error): void => {
    if (stop()) callback(error);
  };
  const refuse = (received: string): void => {
    if (!stop()) return;
    // Stop the download now: whatever else the server sends is dropped, never buffered.
    xhr.abort();
    callback(tooLarge(received, limit as number));
  };
  xhr.open(init.method, init.url, true);
  if (init.withCredentials) xhr.withCredentials = true;
  if (init.headers) {
    for (const [name, value] of Object.entries(init.headers)) xhr.setRequestHeader(name, value);
  }
  if (limit !== undefined) {
    xhr.onreadystatechange = () => {
      if (xhr.readyState !== 2) return; // HEADERS_RECEIVED: Content-Length is a CORS-safelisted header
      const announced = Number(xhr.getResponseHeader("content-length"));
      if (announced > limit) refuse(`Content-Length ${announced}`);
    };
    xhr.onprogress = (event) => {
      if (event.loaded > limit) refuse(`${event.loaded} bytes and counting`);
    };
  }
  xhr.onload = () => {
    const body = xhr.responseText;
    if (overLimit(body, limit)) refuse(`${body.length} characters`);
    else if (stop()) callback(null, { status: xhr.status, body });
  };
  // A failed CORS check, a refused connection and a dropped network all look the same from script.
  xhr.onerror = () => fail(requestFailed(init));
  // Aborted by the browser (page navigation), not by us: our abort() marks the request settled first.
  xhr.onabort = () => fail(requestFailed(init, DEV ? "aborted by the browser" : ""));
  xhr.send(init.body ?? null);
  return () => {
    if (stop()) xhr.abort();
  };
}

/** Workers and service workers have fetch but no XMLHttpRequest. */
function requestWithFetch(init: HttpRequestInit, callback: HttpCallback): () => void {
  const controller = new AbortController();
  const limit = init.maxBodyBytes;
  let settled = false;
  const settle = (error: Error | null, status = 0, body = ""): void => {
    if (settled) return;
    settled = true;
    if (error) callback(error);
    else callback(null, { status, body });
  };
  const refuse = (received: string): void => {
    settle(tooLarge(received, limit as number));
    controller.abort();
  };
  const options: RequestInit = {
    method: init.method,
    credentials: init.withCredentials ? "include" : "same-origin",
    signal: controller.signal,
    cache: "no-store",
  };
  if (init.headers) options.headers = init.headers;
  if (init.body !== undefined) options.body = init.body;

  const run = async (): Promise<void> => {
    const response = await fetch(init.url, options);
    const announced = Number(response.headers.get("content-length"));
    if (limit !== undefined && announced > limit) return refuse(`Content-Length ${announced}`);
    const reader = response.body?.getReader();
    if (!reader) {
      const text = await response.text();
      return overLimit(text, limit) ? refuse(`${text.length} characters`) : settle(null, response.status, text);
    }
    // Read chunk by chunk so an endless body is cut off at the limit instead of buffered whole.
    const decoder = new TextDecoder();
    let body = "";
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (settled) return;
      if (done) break;
      received += value.byteLength;
      if (limit !== undefined && received > limit) return refuse(`${received} bytes and counting`);
      body += decoder.decode(value, { stream: true });
    }
    settle(null, response.status, body + decoder.decode());
  };
  run().catch((error: unknown) => settle(requestFailed(init, error)));
  return () => {
    if (settled) return;
    settled = true;
    controller.abort();
  };
}

/** HTTP for polling: XMLHttpRequest where there is one (unless `client` asks for fetch), fetch otherwise (workers). */
export function request(init: HttpRequestInit, callback: HttpCallback): () => void {
  const canFetch = typeof fetch === "function";
  if (typeof XMLHttpRequest === "function" && !(canFetch && init.client === "fetch")) return requestWithXhr(init, callback);
  if (canFetch) return requestWithFetch(init, callback);
  throw invalidState(DEV ? 'no XMLHttpRequest or fetch in this runtime: use transports: ["websocket"]' : "");
}

/**
 * The browser Platform without `request`: the default of browser builds (src/platform/browser-default.ts), so
 * that only polling, which imports `request` itself, links the XMLHttpRequest and fetch code.
 */
export const browserBasePlatform: Platform = {
  name: "browser",
  defaultBinaryType: "arraybuffer",

  defaultOrigin() {
    const origin = typeof location === "undefined" ? undefined : location.origin;
    // Opaque origins (file:, about:blank, sandboxed frames) serialise as "null": nothing to connect to.
    return origin && origin !== "null" ? origin : undefined;
  },

  hasWebSocket() {
    return typeof globalThis.WebSocket === "function";
  },

  createWebSocket,

  // Every runtime siolink supports has queueMicrotask (src/internal/subscriptions.ts relies on it too).
  nextTick: (fn) => queueMicrotask(fn),

  onLifecycle(hooks) {
    const scope = eventScope();
    if (!scope) return () => {};
    const added: Array<[LifecycleEvent, () => void]> = [];
    for (const type of ["beforeunload", "offline", "online", "visibilitychange"] as const) {
      const hook = hooks[type === "visibilitychange" ? "visible" : type];
      if (!hook) continue;
      // visibilitychange is fired at the document and bubbles up to the window; only a return to visible counts.
      const listener = () => (type !== "visibilitychange" || document.visibilityState === "visible") && hook();
      scope.addEventListener(type, listener);
      added.push([type, listener]);
    }
    return () => {
      for (const [type, listener] of added.splice(0)) scope.removeEventListener(type, listener);
    };
  },

  unref() {},
};

/** The complete browser Platform, for code that imports this module and passes it on. */
export const browserPlatform: HttpPlatform = /* @__PURE__ */ Object.assign({ request }, browserBasePlatform);

export { browserPlatform as defaultPlatform };
