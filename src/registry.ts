// The Manager cache behind io(): calls for the same server share one Manager (one Engine.IO connection
// multiplexing their namespaces), as in socket.io-client.
//
// Which Manager a call gets:
// - `forceNew: true` or `multiplex: false`: a new, uncached Manager;
// - a namespace that already has a Socket on the Manager it would join: a new, uncached Manager (a second
//   `io("/chat")` gets its own connection rather than the same Socket twice);
// - otherwise the first cached Manager of the same entry point for that server (scheme, host, port, `path`)
//   whose connection options agree with every connection option the call passes. A call that passes none
//   (`io(url + "/admin")`) joins the server's cached Manager whatever its options: servers rely on one
//   connection per client (`socket.disconnect(true)` on the server closes all of its namespaces);
// - no Manager agrees: a new one, cached beside the others.
// The one deliberate difference: socket.io-client hands a call that asks for other connection options
// (transports, query, extraHeaders, timeouts, parser...) the first Manager anyway, silently ignoring them;
// here such a call gets its own Manager. Per-socket options (auth, ackTimeout, retries, exactlyOnce, buffer) and io()-only
// ones (forceNew, multiplex) are not connection options; an option equal to its default counts as not passed
// (`{ reconnection: true }` is `{}`), and a URL's query counts as the `query` option.
// A Manager closed for good (manager.close(), or its last active socket disconnected) leaves the cache.

import type { Manager } from "./manager";
import { DEFAULTS, locate, type Located } from "./manager-options";
import { checkSocketOptions, type Socket } from "./socket";
import type { EventsMap, ManagerOptions, SocketOptions } from "./types";

/** Options accepted by io(): the Manager's and the Socket's. */
export type IoOptions = ManagerOptions & SocketOptions;

type AnyManager = Manager<EventsMap, EventsMap>;

/** Options that never change the connection, hence never split the cache. */
const NOT_CONNECTION_OPTIONS = ["forceNew", "multiplex", "force new connection", "auth", "ackTimeout", "retries", "exactlyOnce", "buffer", "path"];

/**
 * The cached Managers, oldest first, each with its server (origin and path): a call agrees with it only for the
 * same server. Its entry point is its class (io() of siolink/websocket never gets a siolink Manager, or back).
 */
const cache = /* @__PURE__ */ new Map<AnyManager, string>();

/**
 * The members of a value compared member by member (a plain object or array) whose value is not undefined (left
 * out, as JSON does); undefined for a value compared by identity (other objects, functions, primitives).
 */
function plainKeys(value: unknown): string[] | undefined {
  return value && typeof value === "object" && [Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(value))
    ? Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    : undefined;
}

/**
 * Whether two option values are the same: identical, or plain objects or arrays whose members are the same
 * (key order and undefined members do not matter; an array and an object with the same members are alike), or
 * values with a toJSON (Buffer, Date) whose JSON is the same as the other's. The depth is bounded, so self-referencing options end the
 * comparison (as different) rather than hang it.
 */
function same(a: unknown, b: unknown, depth = 9): boolean {
  // Identity and the depth bound first: the members are listed only for values that need comparing.
  if (a === b) return true;
  if (!depth--) return false;
  const json = (a as { toJSON?: unknown } | null)?.toJSON;
  if (typeof json === "function") return same(json.call(a), (b as { toJSON?: () => unknown } | null)?.toJSON?.(), depth);
  const keys = plainKeys(a);
  return !!keys && keys.length === plainKeys(b)?.length && keys.every((key) => same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], depth));
}

/**
 * Whether a Manager created with (or since set to) the options `cached` serves a call passing `wanted` (its
 * `query` already merged with the URL's): every connection option passed has the Manager's value. Options
 * equal to their default count as not passed (`{ reconnection: true }` is `{}`), so passing none always agrees.
 */
export function agrees(cached: object, wanted: object): boolean {
  return Object.entries(wanted).every(
    ([key, value]) =>
      value === undefined ||
      NOT_CONNECTION_OPTIONS.includes(key) ||
      (DEFAULTS as Record<string, unknown>)[key] === value ||
      same((cached as Record<string, unknown>)[key], value),
  );
}

/** Forgets `manager` (closed for good) if the cache holds it. */
export function evict(manager: AnyManager): void {
  cache.delete(manager);
}

/** How many Managers the cache holds (for tests and diagnostics). */
export function cachedManagerCount(): number {
  return cache.size;
}

/**
 * An entry point's io(): parse the URL, pick or create the Manager, return the Socket for the URL's namespace;
 * plus the properties socket.io-client users reach through it (`io.Manager`, `io.Socket`, `io.protocol`, `io.io`,
 * `io.connect`). `statics.Manager` is the Manager of the calling entry point (it decides which transports are linked). One
 * place for both entries, so `siolink` and `siolink/websocket` cannot drift apart.
 */
export function createIo<T>(statics: { Manager: typeof Manager; [name: string]: unknown }): T {
  const type = statics.Manager;
  const io = function io(uri?: string | IoOptions, opts?: IoOptions): Socket {
    if (uri && typeof uri === "object") {
      opts = uri;
      uri = undefined;
    }
    const options: IoOptions = { ...opts };
    // Before any Manager is fetched or opened: a throw after that would leave a live connection behind.
    checkSocketOptions(options);
    // A malformed URL string: the Manager's open fails with it, through connect_error, once io() has returned.
    // That Error has no origin and no nsp.
    const url = locate(uri, options) as Partial<Located>;
    let manager: AnyManager | undefined;
    // forceNew / multiplex: false never use the cache: no key or option comparison is computed for them.
    if (url.origin && !(options.forceNew || (options as { "force new connection"?: boolean })["force new connection"] || options.multiplex === false)) {
      // A URL never reads as an option value: the server cannot be mistaken for an option.
      const server = `${url.origin} ${options.path || "/socket.io"}`;
      // The Manager merges the URL's query into its `query` option (when there is any): so does the call (its
      // options are our copy; merging again in the Manager gives the same query).
      (options as { query?: unknown }).query = url.query;
      // The first (oldest) that agrees.
      for (const [cached, key] of cache) {
        if (key === server && cached.constructor === type && agrees(cached.opts, options)) {
          manager = cached;
          break;
        }
      }
      if (!manager) cache.set((manager = new type(uri, options)), server);
      else if ((manager as unknown as { socketOf(nsp: string): unknown }).socketOf(url.nsp!)) manager = undefined;
    }
    return (manager ?? new type(uri, options)).socket(url.nsp ?? "/", options);
  };
  return Object.assign(io, statics, { io, connect: io }) as T;
}
