// The tab's end: one Hub per tab (per worker URL) multiplexes every shared socket of the tab over one link to
// the host. The link changes when the worker cannot start or the leader tab goes; whatever was not confirmed
// by the previous host is sent again to the next one, after the tab's "hi" and its sockets' "open".

import { randomId, tabLock, type Addressed, type HostMessage, type HostStats, type TabMessage } from "./protocol";

/** What a Hub asks of its sockets. */
export interface HubSocket {
  /** The socket's "open" message, or undefined when the socket is not open (disconnected by the app). */
  openMessage(): TabMessage | undefined;
  receive(message: HostMessage): void;
  /** A new host took over: the old connection is gone. */
  hostChanged(): void;
}

export class Hub {
  readonly id = randomId();
  /** The last host that said hello. */
  #host: string | undefined;
  /** The link leads to #host, which knows this tab ("hi" sent). */
  #ready = false;
  /** The host a rejoin is under way for (it waits for the liveness lock). */
  #joining: string | undefined;
  #post: ((message: Addressed) => void) | undefined;
  /** The tab's liveness lock is held (or there is no Web Locks API). */
  #alive: Promise<void>;
  readonly #sockets = new Map<number, HubSocket>();
  /** Emits the current host has not confirmed yet, by sequence number. */
  readonly #unconfirmed = new Map<number, Addressed>();
  #nextSocket = 0;
  #nextSeq = 0;
  #nextQuery = 0;
  readonly #queries = new Map<number, (stats: HostStats) => void>();

  constructor() {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    this.#alive = locks
      ? new Promise<void>((held) => {
          void locks.request(tabLock(this.id), () => {
            held();
            return new Promise<void>(() => {});
          });
        })
      : Promise.resolve();
    globalThis.addEventListener?.("pagehide", (event) => {
      // A page kept in the back/forward cache may come back: it says "hi" again on pageshow.
      this.send({ t: "bye" });
      this.#ready = false;
    });
    globalThis.addEventListener?.("pageshow", (event) => {
      if ((event as PageTransitionEvent).persisted && this.#host !== undefined) void this.#rejoin(this.#host);
    });
  }

  /** Sets the link to a (new) host; nothing is sent on it before the host's hello. */
  link(post: (message: Addressed) => void): void {
    this.#post = post;
    this.#ready = false;
  }

  add(socket: HubSocket): number {
    const s = ++this.#nextSocket;
    this.#sockets.set(s, socket);
    return s;
  }

  /** The socket left its host: its unconfirmed emits go with it (a new host would not know the socket). */
  forget(s: number): void {
    for (const [n, message] of this.#unconfirmed) if (message.t === "emit" && message.s === s) this.#unconfirmed.delete(n);
  }

  /** Sends now if a host is there; otherwise the message is dropped (open/close are re-sent as state). */
  send(message: TabMessage): void {
    if (this.#ready && this.#host !== undefined) this.#post?.({ ...message, h: this.#host });
  }

  /** Sends an emit and keeps it until the host confirms it. */
  sendEmit(message: Extract<TabMessage, { t: "emit" }>): void {
    const n = ++this.#nextSeq;
    const queued = { ...message, n };
    this.#unconfirmed.set(n, queued);
    this.send(queued);
  }

  /** The host's counters (tests, diagnostics). */
  debug(): Promise<HostStats> {
    const q = ++this.#nextQuery;
    return new Promise((resolve) => {
      this.#queries.set(q, resolve);
      this.send({ t: "debug", q });
    });
  }

  receive(message: HostMessage): void {
    switch (message.t) {
      case "hello":
        if ((message.h !== this.#host || !this.#ready) && message.h !== this.#joining) void this.#rejoin(message.h);
        return;
      case "got":
        this.#unconfirmed.delete(message.n);
        return;
      case "debug":
        this.#queries.get(message.q)?.({ ...message.stats, tab: this.id });
        this.#queries.delete(message.q);
        return;
      default:
        this.#sockets.get(message.s)?.receive(message);
    }
  }

  async #rejoin(host: string): Promise<void> {
    this.#joining = host;
    await this.#alive;
    if (this.#joining !== host) return;
    this.#joining = undefined;
    const changed = this.#host !== undefined && this.#host !== host;
    this.#host = host;
    this.#ready = true;
    if (changed) for (const socket of this.#sockets.values()) socket.hostChanged();
    this.send({ t: "hi", c: this.id });
    for (const socket of this.#sockets.values()) {
      const open = socket.openMessage();
      if (open) this.send(open);
    }
    for (const message of this.#unconfirmed.values()) this.send(message);
  }
}
