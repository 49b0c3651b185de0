// How a Manager reads what it is given: its server address, its defaults, and the check of its parser. No
// state of its own.

import type { Parser } from "./codec/packet";
import { invalidArg } from "./errors";
import { DEV } from "./internal/dev";
import { defaultPlatform } from "./platform/default";
import type { ManagerOptions } from "./types";
import { defaultUrl, parseUrl, type ParsedUrl } from "./url";

/** A server address as located for a Manager or io(): its query merged with the `query` option. */
export type Located = Omit<ParsedUrl, "query"> & { query: Record<string, string> | undefined };

/** The settings read and written by reconnectionAttempts(), reconnectionDelay()... (kept in `opts`), with their defaults. */
export const SETTINGS = {
  reconnectionAttempts: Infinity,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
  timeout: 20_000,
} as const;

/** The defaults of the Manager's options; the io() cache counts an option equal to its default as not passed. */
export const DEFAULTS = { ...SETTINGS, reconnection: true, autoConnect: true } as const;

/**
 * The server address of a Manager or io() call: `uri`, or with none the address options, the page, or localhost
 * (Node), as in socket.io-client; its `query` is the URL's merged with the `query` option (the option wins), or
 * undefined when both are empty. A malformed URL string is returned as the error, to be reported at open
 * (through connect_error, as socket.io-client does).
 * @throws what parseUrl throws for a URL that is not a string (a programming error).
 */
export function locate(uri: string | undefined, opts: ManagerOptions): Located | Error {
  const page = (opts.platform ?? defaultPlatform).defaultOrigin();
  let url: Located;
  try {
    url = parseUrl(uri || defaultUrl(opts, page), page);
  } catch (error) {
    if (uri != null && typeof uri !== "string") throw error;
    return error as Error;
  }
  const query = { ...url.query, ...opts.query };
  url.query = Object.keys(query).length ? query : undefined;
  return url;
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : invalidArg(String(value), value);
}

export function checkParser(parser: unknown): Parser {
  const candidate = parser as Partial<Parser> | null;
  if (typeof candidate?.Encoder !== "function" || typeof candidate.Decoder !== "function") {
    throw invalidArg(DEV ? "parser must export Encoder and Decoder classes" : "");
  }
  return candidate as Parser;
}
