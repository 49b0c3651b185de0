// The messages between a tab and the host that owns the real connection (the SharedWorker, or the leader tab).
// Plain objects, sent with postMessage (MessagePort, BroadcastChannel or in-memory), so binary arguments travel
// by structured clone. Field names are short: every event crosses this boundary once per tab.
//
// A tab's messages carry `h`, the id of the host they are meant for: after a leader hand-over, a message sent
// to the old host is ignored by the new one and sent again once the tab has heard the new host's "hello".
// Emits carry a sequence number `n` and stay queued in the tab until the host answers "got": only then has the
// emit reached a connected socket (or its send buffer in a host that outlives the tab).

/** An error as it crosses the boundary: Error objects lose their extra fields in structured clone. */
export interface ErrorInfo {
  name: string;
  message: string;
  data?: unknown;
  code?: string;
  type?: string;
}

/** A socket's state as the host sees it. */
export interface SocketState {
  /** status */
  st: "connecting" | "connected" | "reconnecting" | "disconnected";
  /** socket.id */
  id: string | undefined;
  /** socket.active */
  a: boolean;
}

/** Tab → host. `s`: the tab's socket number (unique within the tab). */
export type TabMessage =
  | { t: "hi"; c: string }
  | { t: "who" }
  | { t: "bye" }
  | { t: "open"; s: number; uri: string; opts: Record<string, unknown> }
  | { t: "close"; s: number }
  | { t: "connect"; s: number }
  | { t: "emit"; s: number; n?: number; ev: string; args: unknown[]; a?: number; v?: boolean; c?: boolean }
  | { t: "ack"; a: number; args: unknown[] }
  | { t: "debug"; q: number };

/** What a tab sends, with the host it is meant for. */
export type Addressed = TabMessage & { h?: string };

/** Debug counters (for tests and diagnostics): what the host holds. */
export interface HostStats {
  /** Where the connection lives: the SharedWorker, the leader tab, or this tab alone. */
  kind: "worker" | "leader" | "tab";
  /** The id of the tab the host runs in (leader, tab), and of the tab that asked. */
  local?: string;
  tab?: string;
  clients: number;
  handles: number;
  sockets: number;
  listeners: number;
  acks: number;
}

/** Host → tab. */
export type HostMessage =
  | { t: "hello"; h: string }
  | { t: "got"; n: number }
  | { t: "state"; s: number; state: SocketState }
  | { t: "connect"; s: number; state: SocketState }
  | { t: "disconnect"; s: number; state: SocketState; reason: string; desc?: unknown }
  | { t: "cerr"; s: number; state: SocketState; e: ErrorInfo }
  | { t: "ev"; s: number; ev: string; args: unknown[]; a?: number }
  | { t: "ack"; s: number; a: number; args: unknown[] }
  | { t: "io"; s: number; ev: string; args: unknown[] }
  | { t: "debug"; q: number; stats: HostStats };

/** The lock a tab holds while it lives: the host requests it, and is granted it when the tab is gone. */
export const tabLock = (clientId: string): string => `siolink:tab:${clientId}`;

/** A random id (ids only need to be unique among the tabs of an origin). */
export const randomId = (): string => Math.random().toString(36).slice(2) + Date.now().toString(36);

export function errorInfo(error: unknown): ErrorInfo {
  const e = (error ?? {}) as Partial<ErrorInfo> & { message?: unknown; name?: unknown };
  const info: ErrorInfo = { name: String(e.name ?? "Error"), message: String(e.message ?? error) };
  if (e.data !== undefined && cloneable(e.data)) info.data = e.data;
  if (typeof e.code === "string") info.code = e.code;
  if (typeof e.type === "string") info.type = e.type;
  return info;
}

export function toError(info: ErrorInfo): Error {
  return Object.assign(new Error(info.message), info);
}

/** True when `value` survives postMessage (descriptions may hold XHR objects or events, which do not). */
export function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
