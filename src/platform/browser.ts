// The browser Platform: native WebSocket, XMLHttpRequest or fetch for polling, page lifecycle hooks.
// Every global is read when a function runs, never at import time, so server-side rendering can import siolink.

import { invalidState, tooLargeError, TransportError } from "../errors";
import type { HttpCallback, HttpPlatform, HttpRequestInit, HttpResponse, Platform } from "./platform";
import { DEV } from "../internal/dev";
import { utf8Length } from "../internal/utf8";

function noop(): void {}

/**
 * HTTP for polling, one path for both clients: XMLHttpRequest where there is one (unless `client` asks for
 * fetch), fetch otherwise (workers). Both share the settling and the maxReceiveSize checks: the announced
 * Content-Length, then the bytes as they stream in, then (XMLHttpRequest counts compressed bytes) the decoded body.
 */
export function request(init: HttpRequestInit, callback: HttpCallback): () => void {
  const { method, url, body, extraHeaders: headers } = init;
  // Undefined when there is no limit: every comparison with it is then false.
  const limit = init.maxReceiveSize!;
  // Where neither exists (no browser has neither), calling fetch throws a ReferenceError naming it.
  const xhr = typeof XMLHttpRequest == "function" && !(init.client == "fetch" && typeof fetch == "function") ? new XMLHttpRequest() : undefined;
  let settled = false;
  let stop: () => void;
  const settle = (error: Error | null, response?: HttpResponse): void => {
    if (!settled) {
      settled = true;
      callback(error, response);
    }
  };
  // A failed CORS check, a refused connection and a dropped network all look the same from script.
  const failed = (cause: unknown): void =>
    settle(new TransportError(DEV ? `${method} ${url} failed: network error` : `${method} ${url}`, cause));
  /** Refuses the response (and stops the download: the rest is never buffered) once `received` passes the limit. */
  const over = (received: number, announced?: 1): boolean | undefined => {
    if (received > limit) {
      settle(tooLargeError(DEV ? `a polling response (${announced ? "Content-Length " + received : received + " bytes and counting"})` : "", limit));
      stop();
      return true;
    }
  };
  if (xhr) {
    stop = () => xhr.abort();
    xhr.open(method, url);
    xhr.withCredentials = !!init.withCredentials;
    for (const name in headers) xhr.setRequestHeader(name, headers[name]!);
    // The first progress event comes with the first bytes and carries the Content-Length as `total` (0 when
    // there is none, or compressed bytes, which `loaded` counts too).
    xhr.onprogress = ({ total, loaded }) => {
      // Development builds also say whether the size was announced.
      if (DEV) over(total || loaded, total ? 1 : undefined);
      else over(total || loaded);
    };
    xhr.onload = () => {
      const text = xhr.responseText;
      if (!(text.length * 3 > limit && over(utf8Length(text)))) settle(null, { status: xhr.status, body: text });
    };
    // "abort": by the browser (a page navigation), never by us (settled first).
    xhr.onerror = xhr.onabort = (event) => failed(event.type);
    xhr.send(body);
  } else {
    const controller = new AbortController();
    stop = () => controller.abort();
    fetch(url, {
      method,
      body,
      headers,
      // Undefined: the default, "same-origin".
      credentials: init.withCredentials ? "include" : undefined,
      signal: controller.signal,
      cache: "no-store",
      // An undefined body or headers is the same as none.
    } as RequestInit)
      .then(async (response) => {
        if (over(+response.headers.get("content-length")!, 1)) return;
        // Read chunk by chunk so an endless body is cut off at the limit instead of buffered whole.
        // No body (204, 304) throws here: a failed request, as polling would count its status anyway.
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let text = "";
        let received = 0;
        for (let chunk; !(chunk = await reader.read()).done; ) {
          // Once aborted, the next read rejects (settle() ignores what follows).
          if (over((received += chunk.value.byteLength))) return;
          text += decoder.decode(chunk.value, { stream: true });
        }
        settle(null, { status: response.status, body: text + decoder.decode() });
      })
      .catch(failed);
  }
  return () => {
    if (!settled) {
      settled = true;
      stop();
    }
  };
}

/**
 * The browser Platform without `request`: the default of browser builds (src/platform/browser-default.ts), so
 * that only polling, which imports `request` itself, links the XMLHttpRequest and fetch code.
 */
export const browserBasePlatform: Platform = {
  name: "browser",
  defaultBinaryType: "arraybuffer",

  defaultOrigin() {
    const origin = globalThis.location?.origin;
    // Opaque origins (file:, about:blank, sandboxed frames) serialise as "null": nothing to connect to.
    return origin != "null" ? origin : undefined;
  },

  hasWebSocket: () => typeof WebSocket == "function",

  createWebSocket(url, init) {
    if (typeof WebSocket != "function") throw invalidState(DEV ? 'no global WebSocket in this runtime: use transports: ["polling"]' : "");
    // Browsers decide upgrade headers, cookies and compression themselves: only protocols can be passed. The
    // DOM typings declare `this`-bound handlers; the runtime object fits WebSocketLike exactly.
    return new WebSocket(url, init.protocols) as never;
  },

  // Every runtime siolink supports has queueMicrotask (src/internal/subscriptions.ts relies on it too).
  nextTick: (fn) => queueMicrotask(fn),

  onLifecycle(hooks) {
    // One listener for every hooked event; visibilitychange (fired at the document, bubbling up to the window)
    // counts only as a return to visible. Without addEventListener (Node, SSR) nothing is registered.
    const listener = ({ type }: Event): void =>
      void (type == "visibilitychange" ? document.visibilityState == "visible" && hooks.visible?.() : hooks[type as "offline"]?.(type as "offline"));
    const each = (method: "addEventListener" | "removeEventListener") => () => {
      for (const key in hooks) globalThis[method]?.(key == "visible" ? "visibilitychange" : key, listener);
    };
    each("addEventListener")();
    return each("removeEventListener");
  },

  unref: noop,
};

/** The complete browser Platform, for code that imports this module and passes it on. */
export const browserPlatform: HttpPlatform = /* @__PURE__ */ Object.assign({ request }, browserBasePlatform);

export { browserPlatform as defaultPlatform };
