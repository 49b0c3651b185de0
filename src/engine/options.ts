// What an Engine.IO session is given: the transport kit of its entry point, its URI, and the options it
// checks up front (transports, fallbackTimeout, maxReceiveSize).

import { invalidArg } from "../errors";
import { PollingTransport, WebSocketTransport, WebTransportTransport, type TransportConstructor } from "../transports/index";
import type { EngineOptions, RawData, TransportName, TransportSelector } from "./types";
import { Upgrade } from "./upgrade";
import { DEV } from "../internal/dev";

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
  readonly upgrade?: typeof Upgrade;
}

/** Key of the static member by which an entry point's Manager class hands its kit to the Manager constructor. */
export const kTransportKit: unique symbol = /* @__PURE__ */ Symbol("siolink.transportKit");

/** Everything: what `siolink` links, and what `new EngineSession()` uses. */
export const fullKit: TransportKit = {
  entry: "siolink",
  websocket: WebSocketTransport,
  polling: PollingTransport,
  webtransport: WebTransportTransport,
  upgrade: Upgrade,
};






const DEFAULT_TRANSPORTS: readonly TransportName[] = ["websocket", "polling"];
const KNOWN_TRANSPORTS: readonly TransportName[] = [...DEFAULT_TRANSPORTS, "webtransport"];
const DEFAULT_FALLBACK_TIMEOUT = 10_000;
/** 64 MiB: see EngineOptions.maxReceiveSize. */
const DEFAULT_MAX_RECEIVE_SIZE = 64 * 1024 * 1024;

export interface Target {
  secure: boolean;
  hostname: string;
  port: string;
  query: Record<string, string>;
}

export function parseTarget(uri: string): Target {
  let url: URL | undefined;
  try {
    url = new URL(uri);
  } catch {
    // Reported below, with the unsupported schemes.
  }
  const scheme = url?.protocol;
  if (url === undefined || !["http:", "https:", "ws:", "wss:"].includes(scheme!)) {
    throw invalidArg(DEV ? `invalid Engine.IO URI ${JSON.stringify(uri)}: use http(s) or ws(s)` : `${JSON.stringify(uri)}`);
  }
  return {
    secure: scheme === "https:" || scheme === "wss:",
    hostname: url.hostname,
    port: url.port,
    query: Object.fromEntries(url.searchParams),
  };
}

interface TransportChoice {
  order: TransportName[];
  /** What a `Fetch` or `XHR` entry asked polling to make its browser requests with. */
  client: "fetch" | "xhr" | undefined;
}

function transportOrder(opts: EngineOptions, kit: TransportKit): TransportChoice {
  // The default is what the kit has; a transport named explicitly but left out of the kit is an error, so
  // that `transports: ["polling"]` never silently becomes WebSocket.
  const wanted = opts.transports ?? DEFAULT_TRANSPORTS.filter((name) => kit[name]);
  if (!Array.isArray(wanted) || wanted.length === 0) {
    throw invalidArg(DEV ? 'transports must list "websocket", "polling" and/or "webtransport"' : "");
  }
  let client: TransportChoice["client"];
  const names: TransportName[] = [];
  for (const entry of wanted) {
    // A name, or one of the transport exports (WebSocket, XHR...), which carry theirs.
    const name = (entry as TransportSelector | null)?.name ?? (entry as TransportName);
    if (!KNOWN_TRANSPORTS.includes(name)) {
      throw invalidArg(DEV ? `unknown transport ${JSON.stringify(name)}` : `${JSON.stringify(name)}`);
    }
    if (!kit[name]) {
      throw invalidArg(DEV ? `${kit.entry} has no ${name} transport: import from "siolink" for ${name}` : `${kit.entry} ${name}`);
    }
    client ??= (entry as TransportSelector).request;
    names.push(name);
  }
  const order = [...new Set(names)];
  // rememberUpgrade: the Manager saw a previous session reach WebSocket, so start there (polling stays as fallback).
  if (opts.rememberUpgrade && order.includes("websocket")) {
    order.splice(order.indexOf("websocket"), 1);
    order.unshift("websocket");
  }
  return { order, client };
}

interface ResolvedOptions extends TransportChoice {
  fallbackTimeout: number;
  maxReceiveSize: number;
}

export function resolveOptions(opts: EngineOptions, kit: TransportKit): ResolvedOptions {
  const choice = transportOrder(opts, kit);
  const fallbackTimeout = opts.fallbackTimeout ?? DEFAULT_FALLBACK_TIMEOUT;
  if (typeof fallbackTimeout !== "number" || !(fallbackTimeout > 0) || fallbackTimeout > 2_147_483_647) {
    throw invalidArg(DEV ? `fallbackTimeout must be a positive number of ms, got ${String(fallbackTimeout)}` : String(fallbackTimeout));
  }
  const maxReceiveSize = opts.maxReceiveSize ?? DEFAULT_MAX_RECEIVE_SIZE;
  if (typeof maxReceiveSize !== "number" || !Number.isSafeInteger(maxReceiveSize) || maxReceiveSize <= 0) {
    throw invalidArg(DEV ? `maxReceiveSize must be a positive integer number of bytes, got ${String(maxReceiveSize)}` : String(maxReceiveSize));
  }
  return { ...choice, fallbackTimeout, maxReceiveSize };
}

/**
 * Throws the SioError (ERR_INVALID_ARG) the EngineSession constructor would throw for these options, so a
 * caller that creates sessions later (the Manager, at each attempt) can refuse bad options up front.
 */
export function checkEngineOptions(opts: EngineOptions, kit: TransportKit): void {
  resolveOptions(opts, kit);
}

export function isRawData(data: unknown): data is RawData {
  return (
    typeof data === "string" ||
    data instanceof ArrayBuffer ||
    ArrayBuffer.isView(data) ||
    (typeof Blob !== "undefined" && data instanceof Blob)
  );
}
