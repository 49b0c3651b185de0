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
import { kManagerLink } from "./internal/constants";
import { DEFAULTS, locate } from "./manager-options";
import { checkSocketOptions, type Socket } from "./socket";
import type { DefaultEventsMap, EventsMap, ManagerOptions, SocketOptions } from "./types";

/** Options accepted by io(): the Manager's and the Socket's. */
export type IoOptions = ManagerOptions & SocketOptions;

type AnyManager = Manager<EventsMap, EventsMap>;

/** Options that never change the connection, hence never split the cache. */
const NOT_CONNECTION_OPTIONS = ["forceNew", "multiplex", "force new connection", "auth", "ackTimeout", "retries", "exactlyOnce", "buffer", "path"];

/**
 * The cached Managers, oldest first, each with the connection options it was created with and, under the key
 * "", its server (origin and path): a call agrees with it only for the same server. Its entry point is its class
 * (io() of siolink/websocket never gets a siolink Manager, or back).
 */
const cache = /* @__PURE__ */ new Map<AnyManager, Record<string, string>>();

/** Objects that are not plain data (agents, parser modules) and functions are compared by identity. */
const identities = /* @__PURE__ */ new WeakMap<object, string>();
let nextIdentity = 0;

/**
 * JSON with sorted keys (undefined members left out, as JSON does); functions, objects that are not plain data
 * and objects met a second time (cycles) stand for themselves, as an identity. Values with a toJSON (Buffer,
 * Date) compare by their JSON.
 */
function serialise(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (typeof v !== "function" && (typeof v !== "object" || v === null)) return v;
    if (typeof v === "function" || seen.has(v) || ![Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(v))) {
      let id = identities.get(v);
      if (id === undefined) identities.set(v, (id = `#${nextIdentity++}`));
      return id;
    }
    seen.add(v);
    const record = v as Record<string, unknown>;
    return Array.isArray(v) ? v : Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
  });
}

/**
 * The connection options a call passes, each serialised (stable: key order and undefined members do not
 * matter). Values equal to a default are left out; the URL's query is merged into `query`.
 */
export function connectionOptions(opts: IoOptions, urlQuery: Record<string, string>): Record<string, string> {
  const query = { ...urlQuery, ...opts.query };
  const connection: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...opts, query: Object.keys(query).length > 0 ? query : undefined })) {
    if (value !== undefined && !NOT_CONNECTION_OPTIONS.includes(key) && (DEFAULTS as Record<string, unknown>)[key] !== value) {
      connection[key] = serialise(value);
    }
  }
  return connection;
}

/** Whether a Manager created with `cached` serves a call passing `wanted`: every option passed agrees. */
export function agrees(cached: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.keys(wanted).every((key) => cached[key] === wanted[key]);
}

/**
 * What io() does: parse the URL, pick or create the Manager, return the Socket for the URL's namespace.
 * `type` is the Manager of the calling entry point (it decides which transports are linked).
 */
export function lookup<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
  type: typeof Manager,
  uri?: string | IoOptions,
  opts?: IoOptions,
): Socket<ListenEvents, EmitEvents> {
  if (typeof uri === "object" && uri !== null) {
    opts = uri;
    uri = undefined;
  }
  const options: IoOptions = { ...opts };
  // Before any Manager is fetched or opened: a throw after that would leave a live connection behind.
  checkSocketOptions(options);
  // A malformed URL string: the Manager's open fails with it, through connect_error, once io() has returned.
  const url = locate(uri, options);
  const create = () => new type<ListenEvents, EmitEvents>(uri as string | undefined, options);
  let manager: Manager<ListenEvents, EmitEvents> | undefined;
  // forceNew / multiplex: false never use the cache: no key or option comparison is computed for them.
  if (!(url instanceof Error || options.forceNew || (options as { "force new connection"?: boolean })["force new connection"] || options.multiplex === false)) {
    const wanted = connectionOptions(options, url.query);
    // A URL never reads as JSON (what the options' values are): the server cannot be mistaken for an option.
    wanted[""] = `${url.id} ${options.path || "/socket.io"}`;
    manager = [...cache.keys()].find((cached) => cached.constructor === type && agrees(cache.get(cached)!, wanted)) as typeof manager;
    if (manager === undefined) cache.set((manager = create()) as AnyManager, wanted);
    else if (manager[kManagerLink].hasNamespace(url.nsp)) manager = undefined;
  }
  return (manager ?? create()).socket(url instanceof Error ? "/" : url.nsp, options);
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
 * An entry point's io(): lookup() bound to that entry's Manager class, plus the properties socket.io-client
 * users reach through it (`io.Manager`, `io.Socket`, `io.protocol`, `io.io`, `io.connect`). One place for both
 * entries, so `siolink` and `siolink/websocket` cannot drift apart.
 */
export function createIo<T>(type: typeof Manager, statics: object): T {
  const io = function io(uri?: string | IoOptions, opts?: IoOptions) {
    return lookup(type, uri, opts);
  };
  return Object.assign(io, statics, { io, connect: io }) as T;
}
