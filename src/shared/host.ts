// The host: owns the real connections (siolink Sockets) on behalf of every tab, in the SharedWorker or in the
// leader tab. Tabs asking for the same URL and options share one Socket; each tab socket is a "handle" on it.
// The last handle released disconnects the Socket (and its Manager closes with its last Socket).

import { io, type Socket } from "../index";
import { cloneable, errorInfo, randomId, tabLock, type HostMessage, type HostStats, type SocketState, type TabMessage } from "./protocol";

type Post = (message: HostMessage) => void;

interface Client {
  id: string;
  post: Post;
  handles: Map<number, Handle>;
  /** The highest emit sequence number taken: a tab re-sending after a restore may repeat some. */
  seen: number;
}

interface Handle {
  client: Client;
  s: number;
  entry: Entry;
}

interface Entry {
  key: string;
  socket: Socket;
  handles: Set<Handle>;
  /** Emits waiting in the Socket's send buffer: confirmed to their tab on connect. */
  pending: Array<[Client, number]>;
  release: () => void;
}

/** Server → client acknowledgement requests kept waiting for a tab's answer, at most. */
const MAX_PENDING_ACKS = 10_000;

const MANAGER_EVENTS = ["open", "close", "error", "ping", "reconnect", "reconnect_attempt", "reconnect_error", "reconnect_failed"];
const SOCKET_EVENTS = ["connect", "disconnect", "connect_error", "status:change"];

const stateOf = (socket: Socket): SocketState => ({ st: socket.status, id: socket.id, a: socket.active });

/** Arguments that can cross postMessage: errors become plain records, the rest must clone or is dropped. */
const portable = (args: unknown[]): unknown[] =>
  args.map((arg) => (arg instanceof Error ? errorInfo(arg) : cloneable(arg) ? arg : undefined));

export class Host {
  readonly id = randomId();
  readonly #clients = new Map<string, Client>();
  readonly #entries = new Map<string, Entry>();
  /** Server → client acknowledgements waiting for a tab's answer. */
  readonly #acks = new Map<number, { fn: (...args: unknown[]) => void; entry: Entry }>();
  #nextAck = 0;
  readonly #locks: LockManager | undefined;
  readonly #kind: HostStats["kind"];
  #local: string | undefined;

  /** `kind`: where the host runs (reported by debug). */
  constructor(kind: HostStats["kind"], locks: LockManager | undefined = (globalThis.navigator as Navigator | undefined)?.locks) {
    this.#kind = kind;
    this.#locks = locks;
  }

  /**
   * A tab joined (or said "hi" again after a hand-over or a page restore): returns the function that takes its
   * messages. `watch`: request the tab's liveness lock, whose grant means the tab is gone.
   */
  connect(id: string, post: Post, watch = true): (message: TabMessage) => void {
    if (!watch) this.#local = id;
    let client = this.#clients.get(id);
    if (client) client.post = post;
    else {
      client = { id, post, handles: new Map(), seen: 0 };
      this.#clients.set(id, client);
      if (watch) void this.#locks?.request(tabLock(id), () => this.drop(id));
    }
    const known = client;
    return (message) => this.#receive(known, message);
  }

  /** The tab is gone: every handle it held is released. */
  drop(id: string): void {
    const client = this.#clients.get(id);
    if (!client) return;
    this.#clients.delete(id);
    for (const handle of client.handles.values()) this.#release(handle);
    client.handles.clear();
  }

  /** Whether this host still serves `id` (for links that route by sender). */
  has(id: string): boolean {
    return this.#clients.has(id);
  }

  #receive(client: Client, m: TabMessage): void {
    if (this.#clients.get(client.id) !== client) return;
    switch (m.t) {
      case "bye":
        return this.drop(client.id);
      case "open":
        return this.#open(client, m.s, m.uri, m.opts);
      case "close": {
        const handle = client.handles.get(m.s);
        if (handle) {
          client.handles.delete(m.s);
          this.#release(handle);
        }
        return;
      }
      case "connect":
        client.handles.get(m.s)?.entry.socket.connect();
        return;
      case "emit":
        return this.#emit(client, m);
      case "ack": {
        const ack = this.#acks.get(m.a);
        this.#acks.delete(m.a);
        ack?.fn(...m.args);
        return;
      }
      case "debug":
        return client.post({ t: "debug", q: m.q, stats: this.stats() });
    }
  }

  stats(): HostStats {
    let handles = 0;
    let listeners = 0;
    for (const client of this.#clients.values()) handles += client.handles.size;
    for (const { socket } of this.#entries.values()) {
      listeners += socket.listenersAny().length;
      for (const event of SOCKET_EVENTS) listeners += socket.listeners(event as "connect").length;
      for (const event of MANAGER_EVENTS) listeners += socket.io.listeners(event as "open").length;
    }
    const stats: HostStats = { kind: this.#kind, clients: this.#clients.size, handles, sockets: this.#entries.size, listeners, acks: this.#acks.size };
    if (this.#local !== undefined) stats.local = this.#local;
    return stats;
  }

  #open(client: Client, s: number, uri: string, opts: Record<string, unknown>): void {
    const key = JSON.stringify([uri, opts]);
    const previous = client.handles.get(s);
    if (previous?.entry.key === key) return this.#snapshot(previous);
    if (previous) this.#release(previous);
    const entry = this.#entries.get(key) ?? this.#create(key, uri, opts);
    const handle: Handle = { client, s, entry };
    client.handles.set(s, handle);
    entry.handles.add(handle);
    this.#snapshot(handle);
    if (!entry.socket.active) entry.socket.connect();
  }

  #snapshot(handle: Handle): void {
    const { socket } = handle.entry;
    handle.client.post({ t: socket.connected ? "connect" : "state", s: handle.s, state: stateOf(socket) });
  }

  #create(key: string, uri: string, opts: Record<string, unknown>): Entry {
    const socket = io(uri, { ...opts, autoConnect: false });
    const entry: Entry = { key, socket, handles: new Set(), pending: [], release: () => {} };
    const each = (make: (handle: Handle) => HostMessage): void => {
      for (const handle of entry.handles) handle.client.post(make(handle));
    };
    const onAny = (ev: string, ...args: unknown[]): void => {
      let a: number | undefined;
      const last = args[args.length - 1];
      if (typeof last === "function") {
        args.pop();
        a = ++this.#nextAck;
        this.#acks.set(a, { fn: last as (...args: unknown[]) => void, entry });
        // Requests no tab ever answers (no listener calls back) must not pile up: the oldest goes.
        if (this.#acks.size > MAX_PENDING_ACKS) this.#acks.delete(this.#acks.keys().next().value as number);
      }
      each((h) => (a === undefined ? { t: "ev", s: h.s, ev, args } : { t: "ev", s: h.s, ev, args, a }));
    };
    const onConnect = (): void => {
      for (const [client, n] of entry.pending.splice(0)) client.post({ t: "got", n });
      each((h) => ({ t: "connect", s: h.s, state: stateOf(socket) }));
    };
    const onDisconnect = (reason: string, desc?: unknown): void =>
      each((h) => ({ t: "disconnect", s: h.s, state: stateOf(socket), reason, desc: cloneable(desc) ? desc : undefined }));
    const onError = (error: unknown): void => each((h) => ({ t: "cerr", s: h.s, state: stateOf(socket), e: errorInfo(error) }));
    const onStatus = (): void => each((h) => ({ t: "state", s: h.s, state: stateOf(socket) }));
    socket.onAny(onAny);
    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onError);
    socket.on("status:change", onStatus);
    const manager = socket.io;
    const relays = MANAGER_EVENTS.map((ev) => {
      const relay = (...args: unknown[]): void => each((h) => ({ t: "io", s: h.s, ev, args: portable(args) }));
      manager.on(ev as "open", relay);
      return [ev, relay] as const;
    });
    entry.release = () => {
      socket.offAny(onAny);
      socket.off("connect", onConnect);
      socket.off("disconnect", onDisconnect);
      socket.off("connect_error", onError);
      socket.off("status:change", onStatus);
      for (const [ev, relay] of relays) manager.off(ev as "open", relay);
    };
    this.#entries.set(key, entry);
    return entry;
  }

  #release(handle: Handle): void {
    const { entry } = handle;
    entry.handles.delete(handle);
    if (entry.handles.size > 0) return;
    this.#entries.delete(entry.key);
    entry.release();
    for (const [a, ack] of this.#acks) if (ack.entry === entry) this.#acks.delete(a);
    entry.socket.disconnect();
  }

  #emit(client: Client, m: Extract<TabMessage, { t: "emit" }>): void {
    const handle = client.handles.get(m.s);
    // A socket this host does not know (opened with a previous host): the tab sends it again after "hello".
    if (!handle) return;
    if (m.n !== undefined) {
      if (m.n <= client.seen) return;
      client.seen = m.n;
    }
    const { socket } = handle.entry;
    let target: Socket = m.v ? socket.volatile : socket;
    if (m.c === false) target = target.compress(false);
    const { a, s } = m;
    try {
      if (a === undefined) target.emit(m.ev, ...m.args);
      else target.emit(m.ev, ...m.args, (...args: unknown[]) => handle.client.post({ t: "ack", s, a, args }));
    } catch {
      // The tab checks names and arguments before sending; a throw here cannot be retried usefully.
    }
    if (m.n === undefined) return;
    if (socket.connected || m.v) client.post({ t: "got", n: m.n });
    else handle.entry.pending.push([client, m.n]);
  }
}
