// How a Manager reads what it is given: the (uri, opts) pair resolved into its options, platform and server
// address, and the checks of its settings. No state of its own: the Manager keeps what this returns.

import type { Parser } from "./codec/packet";
import type { TransportKit } from "./engine/options";
import { invalidArg, nonNegative } from "./errors";
import { DEV } from "./internal/dev";
import { defaultPlatform } from "./platform/default";
import type { Platform } from "./platform/platform";
import type { ManagerOptions } from "./types";
import { defaultUrl, parseUrl, type ParsedUrl } from "./url";

/**
 * What a Manager is made of, resolved from its constructor's arguments: the options (a copy: path defaulted, URL
 * query merged in, the cookie jar made where needed), the platform, the uri (the URL given; the server's origin
 * when none was given), the origin (scheme, host and port, see ParsedUrl.origin; "" for a malformed URL) and why
 * the URL is unusable (a malformed string, reported at open rather than thrown). A tuple: the Manager
 * destructures it into short local names, where an object's property names would stay in every bundle.
 */
export type ResolvedManagerOptions = [
  opts: ManagerOptions,
  platform: Platform,
  uri: string,
  origin: string,
  urlError: Error | undefined,
];

/**
 * Resolves a Manager's `(uri, opts)` or `(opts)` arguments.
 * @throws what parseUrl throws for a URL that is not a string (a string is reported at open instead).
 */
export function resolveManagerOptions(uri: string | ManagerOptions | undefined, opts: ManagerOptions | undefined): ResolvedManagerOptions {
  if (typeof uri === "object" && uri !== null) {
    opts = uri;
    uri = undefined;
  }
  // Object.assign, not a spread: the copies then share one hidden class (a spread gives each its own, ~225 B
  // more per client).
  const options: ManagerOptions = Object.assign({}, opts);
  options.path = options.path || "/socket.io";
  const platform = options.platform ?? defaultPlatform;
  // One jar (Node) for all of this Manager's sessions, so cookies such as load-balancer affinity survive reconnects.
  // Made only when some transport sends credentials: an unused jar is memory on every client of a load test.
  if ([options, ...Object.values(options.transportOptions ?? {})].some((o) => o?.withCredentials)) {
    options.cookieJar ??= platform.createCookieJar?.();
  }
  const page = platform.defaultOrigin();
  let url: ParsedUrl | undefined;
  let urlError: Error | undefined;
  try {
    // No URL: the address options, the page, or localhost (Node), as in socket.io-client.
    url = parseUrl(uri || defaultUrl(options, page), page);
  } catch (error) {
    // A malformed URL string is reported at open, through connect_error, as socket.io-client does.
    if (uri != null && typeof uri !== "string") throw error;
    urlError = error as Error;
  }
  const origin = url?.origin ?? "";
  const query = { ...url?.query, ...options.query };
  if (Object.keys(query).length > 0) options.query = query;
  return [options, platform, uri ?? origin, origin, urlError];
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : invalidArg(String(value), value);
}

/** A reconnection or timeout setting: a non-negative number, or `fallback` for undefined. */
export function delayOption(name: string, value: unknown, fallback: number): number {
  return nonNegative(name, value) ?? fallback;
}

export function checkParser(parser: unknown): Parser {
  const candidate = parser as Partial<Parser> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.Encoder !== "function" ||
    typeof candidate.Decoder !== "function"
  ) {
    throw invalidArg(DEV ? "parser must export Encoder and Decoder classes" : "");
  }
  return candidate as Parser;
}

/**
 * The transports of the Manager class itself, which no entry point exports (src/index.ts and src/websocket.ts
 * export subclasses with a static kit): none, so its options are refused with ERR_INVALID_ARG.
 */
export const NO_TRANSPORTS: TransportKit = { entry: "the base Manager" };
