// The Manager cache behind io(): calls for the same server share one Manager (one Engine.IO connection
// multiplexing their namespaces), as in socket.io-client.
//
// Which Manager a call gets:
// - `forceNew: true` or `multiplex: false`: a new, uncached Manager;
// - a namespace that already has a Socket on the Manager it would join: a new, uncached Manager (a second
//   `io("/chat")` gets its own connection rather than the same Socket twice);
// - otherwise the first cached Manager for that server (scheme, host, port, `path`) whose connection options
//   agree with every connection option the call passes. A call that passes none (`io(url + "/admin")`)
//   joins the server's cached Manager whatever its options: servers rely on one connection per client
//   (`socket.disconnect(true)` on the server closes all of its namespaces);
// - no Manager agrees: a new one, cached beside the others.
// The one deliberate difference: socket.io-client hands a call that asks for other connection options
// (transports, query, extraHeaders, timeouts, parser...) the first Manager anyway, silently ignoring them;
// here such a call gets its own Manager. Per-socket options (auth, ackTimeout, retries, exactlyOnce, buffer) and io()-only
// ones (forceNew, multiplex) are not connection options; an option equal to its default counts as not passed
// (`{ reconnection: true }` is `{}`), and a URL's query counts as the `query` option.
// A Manager closed for good (manager.close(), or its last active socket disconnected) leaves the cache.

import type { Manager } from "./manager";
import { kManagerLink } from "./internal/constants";
import { defaultPlatform } from "./platform/default";
import { checkSocketOptions, type Socket } from "./socket";
import type { DefaultEventsMap, EventsMap, ManagerOptions, SocketOptions } from "./types";
import { defaultUrl, parseUrl, type ParsedUrl } from "./url";

/** Options accepted by io(): the Manager's and the Socket's. */
export type IoOptions = ManagerOptions & SocketOptions;

/** Options that never change the connection, hence never split the cache. */
const NOT_CONNECTION_OPTIONS: ReadonlySet<string> = /* @__PURE__ */ new Set(["forceNew", "multiplex", "force new connection", "auth", "ackTimeout", "retries", "exactlyOnce", "buffer", "path"]);

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

/** The cached Managers, oldest first. */
const cache: CacheEntry[] = [];

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

/**
 * The connection options a call passes, each serialised (stable: key order and undefined members do not
 * matter). Values equal to a default are left out; the URL's query is merged into `query`.
 */
export function connectionOptions(opts: IoOptions, urlQuery: Record<string, string>): Record<string, string> {
  const connection: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined || NOT_CONNECTION_OPTIONS.has(key)) continue;
    if (Object.hasOwn(MANAGER_DEFAULTS, key) && MANAGER_DEFAULTS[key] === value) continue;
    connection[key] = serialise(value, 0);
  }
  const query = { ...urlQuery, ...opts.query };
  if (Object.keys(query).length > 0) connection.query = serialise(query, 0);
  else delete connection.query;
  return connection;
}

/** Whether a Manager created with `cached` serves a call passing `wanted`: every option passed agrees. */
export function agrees(cached: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.keys(wanted).every((key) => cached[key] === wanted[key]);
}

interface CacheEntry {
  /** Entry point, origin and path: the server. */
  readonly key: string;
  readonly manager: Manager<EventsMap, EventsMap>;
  readonly options: Record<string, string>;
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
  const origin = (options.platform ?? defaultPlatform).defaultOrigin();
  let parsed: ParsedUrl;
  try {
    parsed = parseUrl(uri || defaultUrl(options, origin), origin);
  } catch (error) {
    // Not a string: a programming error, thrown. A malformed URL string is reported as socket.io-client
    // does, through connect_error (the Manager's open fails with this error, once io() has returned).
    if (uri != null && typeof uri !== "string") throw error;
    return new ManagerClass<ListenEvents, EmitEvents>(uri, options).socket("/", options);
  }
  // forceNew / multiplex: false never use the cache: no key or option comparison is computed for them.
  if (
    options.forceNew === true ||
    (options as { "force new connection"?: boolean })["force new connection"] === true ||
    options.multiplex === false
  ) {
    return new ManagerClass<ListenEvents, EmitEvents>(uri, options).socket(parsed.nsp, options);
  }
  // Per Manager class too: io() of siolink/websocket must not hand out a cached siolink Manager, or back.
  const key = `${identity(ManagerClass)} ${parsed.id} ${options.path || "/socket.io"}`;
  const wanted = connectionOptions(options, parsed.query);
  const cached = cache.find((entry) => entry.key === key && agrees(entry.options, wanted))?.manager as
    | Manager<ListenEvents, EmitEvents>
    | undefined;
  const separate = cached !== undefined && cached[kManagerLink].hasNamespace(parsed.nsp);

  let manager: Manager<ListenEvents, EmitEvents>;
  if (separate) {
    manager = new ManagerClass<ListenEvents, EmitEvents>(uri, options);
  } else if (cached !== undefined) {
    manager = cached;
  } else {
    manager = new ManagerClass<ListenEvents, EmitEvents>(uri, options);
    const entry: CacheEntry = { key, manager: manager as Manager<EventsMap, EventsMap>, options: wanted };
    cache.push(entry);
    // Called once, when the Manager is closed for good.
    manager[kManagerLink].onClosed(() => cache.splice(cache.indexOf(entry), 1));
  }
  return manager.socket(parsed.nsp, options);
}

/** How many Managers the cache holds (for tests and diagnostics). */
export function cachedManagerCount(): number {
  return cache.length;
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
