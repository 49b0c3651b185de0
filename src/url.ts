// Turns what users pass to io() ("/admin", "localhost:3000", "wss://host/chat?x=1") into one normalised address.

import { invalidArg } from "./errors";
import { DEV } from "./internal/dev";

/** A server address after normalisation: what the Manager connects to and what its cache is keyed on. */
export interface ParsedUrl {
  /** Scheme, host and explicit port: "http://example.com:80", "https://[::1]:3000". */
  origin: string;
  /** True for https (and wss, which is mapped to https). */
  secure: boolean;
  /** The host without IPv6 brackets: "example.com", "::1". */
  hostname: string;
  /** Always explicit, default ports included: "80", "443", "3000". */
  port: string;
  /** The URL path, which Socket.IO treats as the namespace: "/" when the URL has none. */
  nsp: string;
  /** The URL's query string, decoded; the last value wins when a key repeats. */
  query: Record<string, string>;
  /** Cache key of the Manager: two URLs with the same id can share one connection. */
  id: string;
  /** The whole address, normalised: origin + nsp + search (the fragment is dropped: it never reaches a server). */
  href: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Maps every scheme users may write to the HTTP scheme Engine.IO starts from; others are refused. */
const SUPPORTED_SCHEMES: Readonly<Record<string, "http" | "https">> = {
  http: "http",
  https: "https",
  ws: "http",
  wss: "https",
};

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
  const page = pageOrigin(defaultOrigin);
  const input = (uri ?? "").trim();

  if (input === "") {
    if (page === undefined) throw invalidArg(DEV ? "no URL given and no page origin to default to" : "");
    return fromUrl(page, page.origin);
  }

  // The page's scheme is "http:" or "https:" (pageOrigin maps ws: and wss:); http: when there is no page.
  const scheme = page?.protocol ?? "http:";
  let absolute = input;
  if (input.startsWith("//")) {
    absolute = scheme + input;
  } else if (input.startsWith("/")) {
    if (page === undefined) throw invalidArg(DEV ? `invalid URL "${input}": a relative URL needs a page origin` : `${input}`);
    absolute = page.origin + input;
  } else if (!SCHEME.test(input)) {
    // No scheme: "localhost:3000" would otherwise parse as the scheme "localhost:".
    absolute = `${scheme}//${input}`;
  }

  let url: URL;
  try {
    url = new URL(absolute);
  } catch (cause) {
    throw invalidArg(DEV ? `invalid URL "${input}"` : `${input}`, cause);
  }
  return fromUrl(url, input);
}

/** What a Manager or io() given no URL reads: socket.io-client's address options. */
export interface AddressOptions {
  hostname?: string;
  port?: string | number;
  secure?: boolean;
}

/**
 * Where a Manager given no URL connects, as in socket.io-client: its `hostname`, `port` and `secure` options,
 * the rest from the page in a browser, else localhost on port 80 (443 when `secure`).
 *
 * @example
 * defaultUrl({}) // "http://localhost:80" in Node
 * defaultUrl({ secure: true, port: 8443 }) // "https://localhost:8443"
 */
export function defaultUrl({ hostname, port, secure }: AddressOptions, defaultOrigin?: string): string {
  const page = pageOrigin(defaultOrigin);
  secure ??= page?.protocol === "https:";
  // A page's port only goes with the page's host (whose hostname keeps IPv6 brackets).
  port ??= (hostname === undefined && page?.port) || (secure ? 443 : 80);
  hostname = hostname === undefined ? (page?.hostname ?? "localhost") : hostname.includes(":") ? `[${hostname}]` : hostname;
  return `${secure ? "https" : "http"}://${hostname}:${port}`;
}

/** The page origin as an http(s) URL, or undefined when there is none usable (Node, or a file: page's "null"). */
function pageOrigin(defaultOrigin: string | undefined): URL | undefined {
  if (typeof defaultOrigin !== "string" || defaultOrigin === "") return undefined;
  let url: URL;
  try {
    url = new URL(defaultOrigin);
  } catch {
    return undefined;
  }
  const scheme = SUPPORTED_SCHEMES[url.protocol.slice(0, -1)];
  if (scheme === undefined || url.hostname === "") return undefined;
  return new URL(`${scheme}://${url.host}`);
}

function fromUrl(url: URL, input: string): ParsedUrl {
  const scheme = SUPPORTED_SCHEMES[url.protocol.slice(0, -1)];
  if (scheme === undefined || url.hostname === "") {
    throw invalidArg(DEV ? `invalid URL "${input}": ${scheme ? "no host" : "use http, https, ws or wss"}` : `${input} ${scheme ? "no host" : "use http, https, ws or wss"}`);
  }
  const secure = scheme === "https";
  const port = url.port !== "" ? url.port : secure ? "443" : "80";
  // WHATWG keeps IPv6 hosts bracketed in `hostname`; the brackets belong to the URL syntax, not the host.
  const bracketed = url.hostname.startsWith("[");
  const hostname = bracketed ? url.hostname.slice(1, -1) : url.hostname;
  const origin = `${scheme}://${url.hostname}:${port}`;
  const nsp = url.pathname === "" ? "/" : url.pathname;
  // fromEntries defines own properties, so a key like "__proto__" stays plain data; later duplicates win.
  const query: Record<string, string> = Object.fromEntries(url.searchParams);
  return {
    origin,
    secure,
    hostname,
    port,
    nsp,
    query,
    id: origin,
    href: `${origin}${nsp}${url.search}`,
  };
}
