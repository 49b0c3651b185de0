// The identity of a SocketProvider's connection: its URL and options as a stable string, so a parent that
// re-renders with an equal options object (`options={{ auth: { token } }}`) keeps the same connection.

import type { IoOptions } from "../index";

// This mirrors the option serialisation in src/registry.ts on purpose: siolink/react reaches siolink only
// through its public entry (built as an external `siolink` import, so an app's two packages share one copy),
// and that entry does not export the registry's internals.

/**
 * Functions, class instances (agents, parser modules, Buffers) and cycles have no stable content to compare:
 * they are numbered by identity, so such options should be stable (module scope, useMemo). The exception is
 * an `auth` callback, usually written inline to read a fresh token: any callback gives the same key, and the
 * connection calls the one from the latest render (see Connection).
 */
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

/** JSON-like with sorted keys; undefined members are left out, as `{ a: undefined }` means `{}` to io(). */
function serialise(value: unknown, seen: Set<object>): string {
  if (typeof value === "function") return identity(value);
  if (typeof value !== "object" || value === null) {
    return typeof value === "string" ? JSON.stringify(value) : `${typeof value}:${String(value)}`;
  }
  if (!isPlain(value) || seen.has(value)) return identity(value);
  seen.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item: unknown) => serialise(item, seen)).join(",")}]`;
  } else {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${serialise(record[key], seen)}`);
    text = `{${members.join(",")}}`;
  }
  seen.delete(value);
  return text;
}

/** Equal for two providers that would open the same connection (same URL, equal options). */
export function connectionKey(url: string | undefined, options: IoOptions | undefined): string {
  const { auth, ...rest } = options ?? {};
  const authKey = typeof auth === "function" ? "callback" : serialise(auth, new Set());
  return `${url === undefined ? "" : JSON.stringify(url)} ${serialise(rest, new Set())} auth:${authKey}`;
}
