// Turns what users pass to io() ("/admin", "localhost:3000", "wss://host/chat?x=1") into one normalised address.

import { invalidArg } from "./errors";
import { DEV } from "./internal/dev";

/**
 * A server address after normalisation: what the Manager connects to and what its cache is keyed on. Only what
 * the Manager and the io() cache read: the scheme, host and port go on in `origin`.
 */
export interface ParsedUrl {
  /**
   * Scheme (ws mapped to http, wss to https), host and explicit port: "http://example.com:80", "https://[::1]:3000".
   * Also the io() cache's key: two URLs with the same origin can share one connection.
   */
  origin: string;
  /** The URL path, which Socket.IO treats as the namespace: "/" when the URL has none. */
  nsp: string;
  /** The URL's query string, decoded; the last value wins when a key repeats. */
  query: Record<string, string>;
}

/** "/" or "scheme://" at the start: a path or an absolute URL (any scheme; unsupported ones are refused after parsing). */
const SCHEME = /^(\/|[a-z][a-z0-9+.-]*:\/\/)/i;

/** The HTTP scheme Engine.IO starts from for a URL's protocol: ws: and wss: map to http and https; others are refused. */
export function httpScheme(url: URL): string | undefined {
  // The WHATWG parser refuses these schemes without a host, so there always is one.
  const match = /^(?:http|ws)(s?):$/.exec(url.protocol);
  return match ? `http${match[1]}` : undefined;
}

/**
 * Parses a Socket.IO server URL the way `io(url)` understands it.
 *
 * - no URL: the page origin (`defaultOrigin`), and an error where there is none (callers pass defaultUrl());
 * - "/admin": the namespace "/admin" on the page origin; "//host:3000/x": the page's scheme;
 * - "localhost:3000", "example.com/chat": http (https when the page is served over https);
 * - ws: and wss: become http: and https:, whose default ports (80, 443) are written out.
 *
 * Pure: the page origin is passed in by the caller (`location.origin` in a browser).
 *
 * @example
 * parseUrl("wss://example.com/chat?room=1").origin // "https://example.com:443"
 * parseUrl("/admin", "http://localhost:8080").nsp  // "/admin"
 */
export function parseUrl(uri: string | undefined, defaultOrigin?: string): ParsedUrl {
  if (uri != null && typeof uri !== "string") throw invalidArg(DEV ? `invalid URL: expected a string, got ${typeof uri}` : `${typeof uri}`);
  const page = httpUrl(defaultOrigin);
  const input = (uri ?? "").trim();
  // "" is the page's root (the page URL may carry a path and a query, which are not the server's); a URL without
  // a scheme gets the page's, or http without a page ("localhost:3000" would otherwise parse as the scheme
  // "localhost:"). Without a page, "" and "/path" have no base and fail to parse.
  const ref = input === "" ? "/" : SCHEME.test(input) ? input : `//${input}`;
  let url: URL;
  try {
    url = new URL(ref, page ?? (ref[1] === "/" ? "http://localhost" : undefined));
  } catch (cause) {
    throw invalidArg(
      DEV
        ? input === ""
          ? "no URL given and no page origin to default to"
          : `invalid URL "${input}"${page === undefined && ref[1] !== "/" && ref[0] === "/" ? ": a relative URL needs a page origin" : ""}`
        : input,
      cause,
    );
  }
  const scheme = httpScheme(url);
  if (!scheme) {
    throw invalidArg(DEV ? `invalid URL "${input}": use http, https, ws or wss` : input);
  }
  // WHATWG keeps IPv6 hosts bracketed in `hostname`, as an origin writes them; default ports are written out.
  const origin = `${scheme}://${url.hostname}:${url.port || (scheme === "https" ? 443 : 80)}`;
  return {
    origin,
    // The fragment is dropped: it never reaches a server. A URL of these schemes always has a path ("/" at least).
    nsp: url.pathname,
    // fromEntries defines own properties, so a key like "__proto__" stays plain data; later duplicates win.
    query: Object.fromEntries(url.searchParams),
  };
}

/** What a Manager or io() given no URL reads: socket.io-client's address options. */
export interface AddressOptions {
  hostname?: string;
  port?: string | number;
  secure?: boolean;
}

/**
 * Where a Manager given no URL connects, as in socket.io-client: its `hostname`, `port` and `secure` options,
 * the rest from the page in a browser, else localhost on the scheme's default port (80, or 443 when `secure`).
 *
 * @example
 * defaultUrl({}) // "http://localhost:" in Node (parseUrl() reads it as "http://localhost:80")
 * defaultUrl({ secure: true, port: 8443 }) // "https://localhost:8443"
 */
export function defaultUrl({ hostname, port, secure }: AddressOptions, defaultOrigin?: string): string {
  const page = httpUrl(defaultOrigin);
  secure ??= page?.protocol === "https:";
  // A page's port only goes with the page's host (whose hostname keeps IPv6 brackets). None: the scheme's default,
  // which parseUrl() writes out.
  port ??= (hostname === undefined && page?.port) || "";
  hostname = hostname === undefined ? (page?.hostname ?? "localhost") : hostname.includes(":") ? `[${hostname}]` : hostname;
  return `${secure ? "https" : "http"}://${hostname}:${port}`;
}

/**
 * `uri` parsed when it is an absolute http(s) or ws(s) URL, else undefined: the page URL (undefined in Node, or
 * for a file: page's "null"), of which only the scheme, host and port are read, or an Engine.IO session's URI.
 */
export function httpUrl(uri: string | undefined): URL | undefined {
  // No page (Node): no parse, whose thrown TypeError cost about half of each io() call ("" fails to parse too).
  if (uri) {
    try {
      const url = new URL(uri);
      if (httpScheme(url)) return url;
    } catch {
      // Not a URL: undefined.
    }
  }
  return undefined;
}
