// What an Engine.IO session is given: the transport kit of its entry point, its URI, and the options it
// checks up front (transports, fallbackTimeout, maxReceiveSize).

import { invalidArg } from "../errors";
import { isBinary } from "../internal/binary";
import { DEV } from "../internal/dev";
import { httpScheme, httpUrl } from "../url";
import type { TransportConstructor } from "../transports/index";
import type { EngineOptions, RawData, TransportName, TransportSelector } from "./types";
import type { upgrade } from "./upgrade";

/**
 * What an entry point links into its sessions: the transport classes by name and the upgrade. The
 * session imports none of them itself, so a bundle carries only what its entry puts here (siolink/websocket:
 * no polling, no upgrade).
 */
export interface TransportKit {
  /** The package entry that built this kit, named when a transport it lacks is asked for. */
  readonly entry: string;
  readonly websocket?: TransportConstructor;
  readonly polling?: TransportConstructor;
  readonly webtransport?: TransportConstructor;
  /** Without it a polling session stays on polling. */
  readonly upgrade?: typeof upgrade;
}

/** Key of the static member by which an entry point's Manager class hands its kit to the Manager constructor. */
export const kTransportKit: unique symbol = /* @__PURE__ */ Symbol();

const DEFAULT_FALLBACK_TIMEOUT = 10_000;

export const KNOWN_TRANSPORTS: readonly TransportName[] = ["websocket", "polling", "webtransport"];

/** A session's server, from its URI: the start of its transports' options (see session.ts). */
export interface Target {
  secure: boolean;
  hostname: string;
  /** Empty for the scheme's default port. */
  port: string;
  /** The URI's query, under the `query` option. */
  uriQuery: Record<string, string>;
}

/** Checks a session's URI (http(s) or ws(s): whether it is secure, its host, port and query); ERR_INVALID_ARG for anything else. */
export function parseTarget(uri: string): Target {
  const url = httpUrl(uri);
  if (!url) throw invalidArg(DEV ? `invalid Engine.IO URI ${JSON.stringify(uri)}: use http(s) or ws(s)` : JSON.stringify(uri));
  return { secure: httpScheme(url) == "https", hostname: url.hostname, port: url.port, uriQuery: Object.fromEntries(url.searchParams) };
}

/**
 * The options a session checks up front (and checkEngineOptions, the same function: a caller that creates
 * sessions later, the Manager at each attempt, refuses bad options with the same SioError up front): the transports to try in order (names the kit lacks refused, so that
 * `transports: ["polling"]` never silently becomes WebSocket), what a `Fetch` or `XHR` entry asked polling's
 * browser requests to use, the fallback timeout and maxReceiveSize (64 MiB by default, see
 * EngineOptions.maxReceiveSize). The order, then the values its transports' options start with.
 */
export function resolveOptions(
  opts: EngineOptions,
  kit: TransportKit,
): [order: TransportName[], resolved: { client: "fetch" | "xhr" | undefined; fallbackTimeout: number; maxReceiveSize: number }] {
  const wanted = opts.transports ?? KNOWN_TRANSPORTS.slice(0, 2).filter((name) => kit[name]);
  if (!Array.isArray(wanted) || !wanted.length) {
    throw invalidArg(DEV ? 'transports must list "websocket", "polling" and/or "webtransport"' : "");
  }
  let client: "fetch" | "xhr" | undefined;
  const order: TransportName[] = [];
  for (const entry of wanted) {
    // A name, or one of the transport exports (WebSocket, XHR...), which carry theirs.
    const name = (entry as TransportSelector | null)?.name ?? (entry as TransportName);
    const known = KNOWN_TRANSPORTS.includes(name);
    if (!known || !kit[name]) {
      throw invalidArg(
        DEV
          ? known
            ? `${kit.entry} has no ${name} transport: import from "siolink" for ${name}`
            : `unknown transport ${JSON.stringify(name)}`
          : `${kit.entry} ${String(name)}`,
      );
    }
    client ??= (entry as TransportSelector).request;
    // rememberUpgrade: the Manager saw a previous session reach WebSocket, so start there (polling stays as fallback).
    if (!order.includes(name)) order[opts.rememberUpgrade && name === "websocket" ? "unshift" : "push"](name);
  }
  const fallbackTimeout = opts.fallbackTimeout ?? DEFAULT_FALLBACK_TIMEOUT;
  if (typeof fallbackTimeout !== "number" || !(fallbackTimeout > 0) || fallbackTimeout > 2_147_483_647) {
    throw invalidArg(DEV ? `fallbackTimeout must be a positive number of ms, got ${String(fallbackTimeout)}` : String(fallbackTimeout));
  }
  const maxReceiveSize = opts.maxReceiveSize ?? 64 * 1024 * 1024;
  if (!Number.isSafeInteger(maxReceiveSize) || maxReceiveSize <= 0) {
    throw invalidArg(DEV ? `maxReceiveSize must be a positive integer number of bytes, got ${String(maxReceiveSize)}` : String(maxReceiveSize));
  }
  return [order, { client, fallbackTimeout, maxReceiveSize }];
}

/** What a write may carry: text, or binary data as the codec tests it. */
export function isRawData(data: unknown): data is RawData {
  return typeof data === "string" || isBinary(data);
}
