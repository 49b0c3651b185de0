// The Node cookie jar for `withCredentials`: keeps Set-Cookie lines from polling and upgrade responses and
// builds the Cookie header of later requests, following RFC 6265 (Domain, Path, Expires/Max-Age, Secure).

import type { CookieJar } from "./platform";

interface Cookie {
  name: string;
  value: string;
  /** Lower-case host (host-only cookie) or Domain attribute without its leading dot. */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** Epoch ms; Infinity for a session cookie. */
  expires: number;
}

/** What one server may make the client hold: bounds memory against a server that sets cookies in a loop. */
const MAX_COOKIES = 1000;
/** RFC 6265 6.1 asks for at least 4096 bytes per cookie; larger ones are dropped rather than kept. */
const MAX_COOKIE_LENGTH = 4096;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function isIp(host: string): boolean {
  return IPV4.test(host) || host.includes(":");
}

function isSecureScheme(protocol: string): boolean {
  return protocol === "https:" || protocol === "wss:";
}

/** URL.hostname keeps IPv6 brackets; cookies compare bare, lower-case hosts. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

/** RFC 6265 5.1.3. */
export function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !isIp(host));
}

/** RFC 6265 5.1.4: the directory of the request path. */
export function defaultPath(pathname: string): string {
  if (!pathname.startsWith("/")) return "/";
  const last = pathname.lastIndexOf("/");
  return last === 0 ? "/" : pathname.slice(0, last);
}

/** RFC 6265 5.1.4. */
export function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/**
 * One Set-Cookie line received from `url`, or undefined when it must be ignored (malformed, a Domain the
 * host may not set, a Secure cookie from an insecure origin, too large).
 */
export function parseSetCookie(line: string, url: URL, now: number): Cookie | undefined {
  if (line.length > MAX_COOKIE_LENGTH) return undefined;
  const [pair = "", ...attributes] = line.split(";");
  const eq = pair.indexOf("=");
  if (eq < 0) return undefined;
  const name = pair.slice(0, eq).trim();
  if (name === "" || /[\x00-\x1f\x7f]/.test(pair)) return undefined;

  const host = hostOf(url);
  const cookie: Cookie = {
    name,
    value: pair.slice(eq + 1).trim(),
    domain: host,
    hostOnly: true,
    path: defaultPath(url.pathname),
    secure: false,
    expires: Infinity,
  };
  let maxAge: number | undefined;
  let expires: number | undefined;
  for (const attribute of attributes) {
    const at = attribute.indexOf("=");
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? "" : attribute.slice(at + 1).trim();
    if (key === "max-age") {
      // Max-Age must be digits with an optional minus; anything else leaves the attribute out.
      if (/^-?\d+$/.test(value)) maxAge = Number(value);
    } else if (key === "expires") {
      const time = Date.parse(value);
      if (!Number.isNaN(time)) expires = time;
    } else if (key === "domain") {
      const domain = value.replace(/^\./, "").toLowerCase();
      if (domain === "") continue;
      // A host may set a cookie for itself or a parent domain, never for a sibling or a bare TLD.
      if (!domainMatches(host, domain) || (!domain.includes(".") && domain !== host)) return undefined;
      cookie.domain = domain;
      cookie.hostOnly = false;
    } else if (key === "path") {
      if (value.startsWith("/")) cookie.path = value;
    } else if (key === "secure") {
      cookie.secure = true;
    }
  }
  if (cookie.secure && !isSecureScheme(url.protocol)) return undefined;
  // Max-Age wins over Expires whatever their order; zero or less means "expired now".
  if (maxAge !== undefined) cookie.expires = maxAge <= 0 ? -Infinity : now + maxAge * 1000;
  else if (expires !== undefined) cookie.expires = expires;
  return cookie;
}

/** The jar: cookies by name, domain and path, in creation order (a replacement keeps the original's place). */
export class MemoryCookieJar implements CookieJar {
  readonly #cookies = new Map<string, Cookie>();
  readonly #now: () => number;

  /** `now` is a seam for tests of expiry. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** How many cookies are held, expired ones included until the next read. */
  get size(): number {
    return this.#cookies.size;
  }

  store(url: string, setCookieLines: readonly string[]): void {
    const target = URL.canParse(url) ? new URL(url) : undefined;
    if (target === undefined) return;
    const now = this.#now();
    for (const line of setCookieLines) {
      if (typeof line !== "string") continue;
      const cookie = parseSetCookie(line, target, now);
      if (cookie === undefined) continue;
      const key = `${cookie.name};${cookie.domain};${cookie.path}`;
      if (cookie.expires <= now) {
        this.#cookies.delete(key);
        continue;
      }
      this.#cookies.set(key, cookie);
      if (this.#cookies.size > MAX_COOKIES) {
        const oldest = this.#cookies.keys().next().value as string;
        this.#cookies.delete(oldest);
      }
    }
  }

  cookieHeader(url: string): string | undefined {
    const target = URL.canParse(url) ? new URL(url) : undefined;
    if (target === undefined) return undefined;
    const now = this.#now();
    const host = hostOf(target);
    const secure = isSecureScheme(target.protocol);
    const path = target.pathname || "/";
    const matching: Cookie[] = [];
    for (const [key, cookie] of this.#cookies) {
      if (cookie.expires <= now) {
        this.#cookies.delete(key);
        continue;
      }
      if (cookie.hostOnly ? host !== cookie.domain : !domainMatches(host, cookie.domain)) continue;
      if (!pathMatches(path, cookie.path) || (cookie.secure && !secure)) continue;
      matching.push(cookie);
    }
    if (matching.length === 0) return undefined;
    // RFC 6265 5.4: longer paths first; the sort is stable, so creation order otherwise.
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.map((cookie) => `${cookie.name}=${cookie.value}`).join("; ");
  }
}
