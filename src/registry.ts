// The Manager cache behind io(): calls for the same server and the same connection options share one
// Manager (one Engine.IO connection multiplexing their namespaces).
//
// Sharing rules, as in socket.io-client:
// - `forceNew: true` or `multiplex: false`: a new, uncached Manager;
// - a namespace that already has a Socket on the cached Manager: a new, uncached Manager (a second
//   `io("/chat")` gets its own connection rather than the same Socket twice).
// One deliberate difference: socket.io-client keys its cache on the server address alone, so a later io()
// call with other connection options (transports, path, query, extraHeaders, timeouts, parser...) silently
// gets the first call's connection and its options are ignored. Here the key also holds a stable
// serialisation of those options, so a different option set gets its own Manager. Per-socket options
// (auth, ackTimeout, retries, exactlyOnce) and io()-only ones (forceNew, multiplex) are not part of the key.
// A Manager closed for good (manager.close(), or its last active socket disconnected) leaves the cache.

import type { Manager } from "./manager";
import { kManagerLink } from "./internal/constants";
import { defaultPlatform } from "./platform/default";
import { checkSocketOptions, type Socket } from "./socket";
import type { DefaultEventsMap, EventsMap, ManagerOptions, SocketOptions } from "./types";
import { parseUrl } from "./url";

/** Options accepted by io(): the Manager's and the Socket's. */
export type IoOptions = ManagerOptions & SocketOptions;

/** Options that never change the connection, hence never split the cache. */
const NOT_CONNECTION_OPTIONS: ReadonlySet<string> = /* @__PURE__ */ new Set(["forceNew", "multiplex", "force new connection", "auth", "ackTimeout", "retries", "exactlyOnce"]);

/** Values equal to these defaults are left out of the key: `{ reconnection: true }` is the same as `{}`. */
const MANAGER_DEFAULTS: Readonly<Record<string, unknown>> = {
  reconnection: true,
  reconnectionAttempts: Infinity,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
  timeout: 20_000,
  autoConnect: true,
};

const cache = /* @__PURE__ */ new Map<string, Manager<EventsMap, EventsMap>>();

/** Objects that are not plain data (agents, parser modules, Buffers) are compared by identity. */
const identities = /* @__PURE__ */ new WeakMap<object, number>();
let nextIdentity = 0;

function identity(value: object): string {
  let id = identities.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(value, id);
  }
  return `#${id}`;
}

function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON-like, with sorted keys and undefined members left out; cycles and deep nesting fall back to identity. */
function serialise(value: unknown, depth: number): string {
  if (typeof value === "function") return identity(value);
  if (typeof value !== "object" || value === null) {
    return typeof value === "string" ? JSON.stringify(value) : `${typeof value}:${String(value)}`;
  }
  if (!isPlain(value) || depth > 8) return identity(value);
  if (Array.isArray(value)) return `[${value.map((item) => serialise(item, depth + 1)).join(",")}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${serialise(record[key], depth + 1)}`);
  return `{${members.join(",")}}`;
}

/** The cache key: server origin, Engine.IO path, and every option that shapes the connection. */
export function cacheKey(origin: string, opts: IoOptions, urlQuery: Record<string, string>): string {
  const connection: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined || NOT_CONNECTION_OPTIONS.has(key)) continue;
    if (Object.hasOwn(MANAGER_DEFAULTS, key) && MANAGER_DEFAULTS[key] === value) continue;
    connection[key] = value;
  }
  connection.path = opts.path || "/socket.io";
  const query = { ...urlQuery, ...opts.query };
  if (Object.keys(query).length > 0) connection.query = query;
  else delete connection.query;
  return `${origin} ${serialise(connection, 0)}`;
}

/**
 * What io() does: parse the URL, pick or create the Manager, return the Socket for the URL's namespace.
 * `ManagerClass` is the Manager of the calling entry point (it decides which transports are linked).
 */
export function lookup<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
  ManagerClass: typeof Manager,
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
  const parsed = parseUrl(uri, (options.platform ?? defaultPlatform).defaultOrigin());
  // forceNew / multiplex: false never use the cache: no key is computed for them (it walks every option).
  if (
    options.forceNew === true ||
    (options as { "force new connection"?: boolean })["force new connection"] === true ||
    options.multiplex === false
  ) {
    return new ManagerClass<ListenEvents, EmitEvents>(uri, options).socket(parsed.nsp, options);
  }
  // Per Manager class too: io() of siolink/websocket must not hand out a cached siolink Manager, or back.
  const key = `${identity(ManagerClass)} ${cacheKey(parsed.id, options, parsed.query)}`;
  const cached = cache.get(key) as Manager<ListenEvents, EmitEvents> | undefined;

  let manager: Manager<ListenEvents, EmitEvents>;
  if (cached !== undefined && cached[kManagerLink].hasNamespace(parsed.nsp)) {
    manager = new ManagerClass<ListenEvents, EmitEvents>(uri, options);
  } else if (cached !== undefined) {
    manager = cached;
  } else {
    manager = new ManagerClass<ListenEvents, EmitEvents>(uri, options);
    const entry = manager as Manager<EventsMap, EventsMap>;
    cache.set(key, entry);
    manager[kManagerLink].onClosed(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
  }
  return manager.socket(parsed.nsp, options);
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
export function createIo<T>(ManagerClass: typeof Manager, statics: object): T {
  const io = function io(uri?: string | IoOptions, opts?: IoOptions) {
    return lookup(ManagerClass, uri, opts);
  };
  return Object.assign(io, statics, { io, connect: io }) as T;
}
