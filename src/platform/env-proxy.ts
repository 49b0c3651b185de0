// Node proxies: which proxy (if any) a target URL goes through (the `proxy` option, HTTP(S)_PROXY, NO_PROXY,
// NODE_USE_ENV_PROXY), and the HTTP CONNECT tunnel every proxied connection is opened with.

import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { TransportError } from "../errors";
import { DEV } from "../internal/dev";

/** The environment as proxies see it: `process.env`, or a table in tests. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** A proxy answer header larger than this is not a proxy talking: give up instead of buffering it. */
const MAX_PROXY_HEADER = 16 * 1024;

function isSecureScheme(protocol: string): boolean {
  return protocol === "https:" || protocol === "wss:";
}

function defaultPort(url: URL): string {
  return url.port || (isSecureScheme(url.protocol) ? "443" : "80");
}

/** Lower-case first, as curl does; an empty value counts as unset. */
function envValue(env: ProxyEnv, name: string): { name: string; value: string } | undefined {
  for (const key of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[key]?.trim();
    if (value) return { name: key, value };
  }
  return undefined;
}

/** Bare lower-case host: IPv6 without brackets, IPv4 and names as they are. */
function bareHost(host: string): string {
  return host.replace(/^\[|\]$/g, "").toLowerCase();
}

/** Splits a NO_PROXY entry into host and optional port: "host", "host:80", "[::1]:80", "::1", ".example.com". */
function splitEntry(entry: string): { host: string; port?: string } {
  if (entry.startsWith("[")) {
    const close = entry.indexOf("]");
    const rest = entry.slice(close + 1);
    const host = bareHost(entry.slice(1, close < 0 ? undefined : close));
    return rest.startsWith(":") ? { host, port: rest.slice(1) } : { host };
  }
  const colon = entry.indexOf(":");
  // More than one colon: an IPv6 literal without brackets, which cannot carry a port.
  if (colon < 0 || entry.indexOf(":", colon + 1) >= 0) return { host: bareHost(entry) };
  return { host: bareHost(entry.slice(0, colon)), port: entry.slice(colon + 1) };
}

/** Canonical form of an IPv6 literal ("0:0::1" and "::1" are the same host); other hosts unchanged. */
function canonical(host: string): string {
  if (!host.includes(":")) return host;
  try {
    return bareHost(new URL(`http://[${host}]`).hostname);
  } catch {
    return host;
  }
}

/**
 * Whether NO_PROXY lists `target`. Entries are separated by commas or spaces; `*` matches everything; a host
 * name matches itself and its subdomains, with or without a leading "." (or "*."); IP literals match
 * exactly; an entry with ":port" matches that port only.
 */
export function noProxyMatches(noProxy: string, target: URL): boolean {
  const host = canonical(bareHost(target.hostname));
  const port = defaultPort(target);
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return true;
    const split = splitEntry(entry);
    if (split.port !== undefined && split.port !== port) continue;
    const name = canonical(split.host.replace(/^\*?\./, ""));
    if (name === "") continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** Parses a proxy address; a bare "host:port" means an http proxy. `source` names it in the error. */
function parseProxy(value: string, source: string): URL {
  const withScheme = /^[a-z][a-z\d+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (error) {
    // The value itself may hold credentials: name where it came from, not what it is.
    throw new TransportError(DEV ? `invalid proxy URL in ${source}` : `${source}`, error);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new TransportError(DEV ? `unsupported proxy in ${source}: only http:// and https:// proxies can tunnel (got ${url.protocol})` : `${source} ${url.protocol}`);
  }
  return url;
}

/**
 * The proxy the environment chooses for `target`: HTTPS_PROXY for https/wss, HTTP_PROXY for http/ws (the
 * lower-case variable wins when both are set), none when NO_PROXY lists the target. Pure: reads only `env`.
 * Throws a TransportError when the chosen variable is not a usable proxy URL.
 */
export function proxyFor(target: string | URL, env: ProxyEnv): URL | undefined {
  const url = typeof target === "string" ? new URL(target) : target;
  const chosen = envValue(env, isSecureScheme(url.protocol) ? "https_proxy" : "http_proxy");
  if (chosen === undefined) return undefined;
  const noProxy = envValue(env, "no_proxy");
  if (noProxy !== undefined && noProxyMatches(noProxy.value, url)) return undefined;
  return parseProxy(chosen.value, chosen.name);
}

/**
 * The proxy for one connection, from the `proxy` option and the environment: false never proxies, "env"
 * asks proxyFor, another string is the proxy itself, and unset means "env" only under NODE_USE_ENV_PROXY=1.
 */
export function resolveProxy(target: string, option: string | false | undefined, env: ProxyEnv): URL | undefined {
  if (option === false) return undefined;
  if (option === undefined) return env.NODE_USE_ENV_PROXY === "1" ? proxyFor(target, env) : undefined;
  if (typeof option !== "string") throw new TransportError(DEV ? `the proxy option must be a URL, "env" or false, got ${typeof option}` : `${typeof option}`);
  return option === "env" ? proxyFor(target, env) : parseProxy(option, "the proxy option");
}

/** How the proxy is named in errors: scheme, host and port, never the credentials. */
export function describeProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/** The CONNECT request for `target` through `proxy`, with Basic credentials when the proxy URL has some. */
export function connectRequest(proxy: URL, target: URL): string {
  const authority = `${target.hostname}:${defaultPort(target)}`;
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (proxy.username !== "" || proxy.password !== "") {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    head += `Proxy-Authorization: Basic ${Buffer.from(credentials, "utf8").toString("base64")}\r\n`;
  }
  return `${head}\r\n`;
}

export interface TunnelOptions {
  proxy: URL;
  /** The URL the connection is for (http, https, ws or wss): its host and port are what CONNECT asks for. */
  target: URL;
  /** TLS options for the target (https/wss): `ca`, `cert`, `key`, `rejectUnauthorized`... */
  tls: ConnectionOptions;
  /** Gets the socket to the proxy as soon as it exists, so the caller can unref or destroy it meanwhile. */
  adopt(socket: Socket): void;
}

/**
 * Opens a connection to `target` through a CONNECT tunnel, then TLS inside it for https/wss targets. `done`
 * is called once: with the stream to speak HTTP on, or with a TransportError naming the proxy. Destroying the
 * adopted socket at any time ends the attempt (then `done` gets an error).
 */
export function openTunnel(options: TunnelOptions, done: (error: Error | null, stream?: Socket | TLSSocket) => void): void {
  const { proxy, target } = options;
  const name = describeProxy(proxy);
  const authority = `${target.hostname}:${defaultPort(target)}`;
  const proxyPort = Number(defaultPort(proxy));
  const proxyHost = bareHost(proxy.hostname);
  const socket: Socket =
    proxy.protocol === "https:"
      ? tlsConnect({ host: proxyHost, port: proxyPort, ...(isIpLiteral(proxyHost) ? {} : { servername: proxyHost }) })
      : netConnect({ host: proxyHost, port: proxyPort });
  options.adopt(socket);

  let settled = false;
  const finish = (error: Error | null, stream?: Socket | TLSSocket): void => {
    if (settled) return;
    settled = true;
    socket.off("data", onData);
    socket.off("error", onError);
    socket.off("close", onClose);
    if (error) {
      socket.destroy();
      done(error);
    } else done(null, stream);
  };
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    const end = received.indexOf("\r\n\r\n");
    if (end < 0) {
      if (received.length > MAX_PROXY_HEADER) finish(new TransportError(DEV ? `proxy ${name} sent an oversized answer to CONNECT` : `${name}`));
      return;
    }
    // The answer is complete: what follows belongs to the target, and TLS may read the socket from here.
    socket.off("data", onData);
    const statusLine = received.subarray(0, received.indexOf("\r\n")).toString("latin1");
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    const status = match === null ? undefined : Number(match[1]);
    if (status === undefined || status < 200 || status > 299) {
      const answer = status === undefined ? "not an HTTP answer" : statusLine;
      finish(new TransportError(DEV ? `proxy ${name} refused CONNECT ${authority}: ${answer}` : `${name} ${authority} ${answer}`, status, { proxy: name, status }));
      return;
    }
    const rest = received.subarray(end + 4);
    if (rest.length > 0) socket.unshift(rest);
    if (!isSecureScheme(target.protocol)) {
      finish(null, socket);
      return;
    }
    const host = bareHost(target.hostname);
    const tls = tlsConnect({ ...options.tls, socket, ...(isIpLiteral(host) ? {} : { servername: host }) });
    const onTlsError = (error: Error): void => finish(error);
    tls.once("error", onTlsError);
    tls.once("secureConnect", () => {
      tls.off("error", onTlsError);
      finish(null, tls);
    });
  };
  const onError = (error: Error): void => finish(new TransportError(DEV ? `proxy ${name}: ${error.message}` : `${name} ${error.message}`, error, { proxy: name }));
  const onClose = (): void => finish(new TransportError(DEV ? `proxy ${name} closed the connection before the tunnel was open` : `${name}`));
  socket.on("data", onData);
  socket.on("error", onError);
  socket.on("close", onClose);
  socket.once(proxy.protocol === "https:" ? "secureConnect" : "connect", () => socket.write(connectRequest(proxy, target)));
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}
