// The connections SocketProviders share: one Socket per URL + options, counted by the providers mounted on
// it, created during render without connecting, connected by the first mount, closed after the last unmount.
//
// Why it is built this way (React StrictMode and friends):
// - Render must not open connections: a render can run twice (StrictMode) or be thrown away (Suspense,
//   an interrupted transition). So render only looks the connection up, creating the Socket with
//   `autoConnect: false` when it is new; nothing touches the network until a provider commits.
// - The module-level map makes every render of the same URL + options find the same Socket: StrictMode's
//   double render, a remount from scratch after Suspense, two providers for the same server.
// - Mounting retains, unmounting releases; the last release does not close at once but one macrotask later,
//   and a retain in the meantime cancels it. StrictMode's rehearsal (mount, unmount, mount again in the same
//   commit), a provider moved under a new parent, or one page replaced by another using the same connection
//   therefore keep the single connection instead of closing it and opening a second one.
// - A connection created by a render that never commits is swept the same way, so nothing accumulates.

import { io, type AuthData, type IoOptions, type Socket } from "../index";
import { connectionKey } from "./key";
import { StatusStore } from "./status";

/**
 * - unclaimed: created by a render, no provider committed yet;
 * - retained: at least one mounted provider;
 * - releasing: no provider left, closing at the next macrotask unless one mounts first;
 * - closed: disconnected and out of the map (a provider that mounts again revives it).
 */
type Phase = "unclaimed" | "retained" | "releasing" | "closed";

type AuthCallback = (callback: (data: AuthData) => void) => void | PromiseLike<AuthData>;

const connections = /* @__PURE__ */ new Map<string, Connection>();

/** AuthOption's function form (`typeof` alone narrows an `object` to Function). */
function authCallback(options: IoOptions | undefined): AuthCallback | undefined {
  const auth = options?.auth;
  return typeof auth === "function" ? (auth as AuthCallback) : undefined;
}

/** One shared Socket and its status store. @internal */
export class Connection {
  readonly key: string;
  readonly socket: Socket;
  readonly status: StatusStore;
  /** `autoConnect: false` in the options: mounting does not connect, the app calls `socket.connect()`. */
  readonly #autoConnect: boolean;
  /** The `auth` callback of the latest committed render, which the socket calls before each CONNECT. */
  #auth: AuthCallback | undefined;
  #phase: Phase = "unclaimed";
  #refs = 0;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  /** The connection for `url` + `options`: the shared one, or a new unconnected one. Safe during render. */
  static lookup(url: string | undefined, options: IoOptions | undefined): Connection {
    const key = connectionKey(url, options);
    const existing = connections.get(key);
    if (existing !== undefined) return existing;
    const created = new Connection(key, url, options);
    connections.set(key, created);
    created.#scheduleClose();
    return created;
  }

  private constructor(key: string, url: string | undefined, options: IoOptions | undefined) {
    this.key = key;
    this.#autoConnect = options?.autoConnect !== false;
    const socketOptions: IoOptions = { ...options, autoConnect: false };
    const auth = authCallback(options);
    if (auth !== undefined) {
      this.#auth = auth;
      socketOptions.auth = (callback) => (this.#auth ?? auth)(callback);
    }
    this.socket = io(url, socketOptions);
    this.status = new StatusStore(this.socket, this.#autoConnect);
  }

  /** A provider committed a render: its `auth` callback is the one to call from now on. */
  update(options: IoOptions | undefined): void {
    const auth = authCallback(options);
    if (auth !== undefined) this.#auth = auth;
  }

  /** A provider mounted (its effect ran). */
  retain(): void {
    this.#refs++;
    this.#cancelClose();
    const previous = this.#phase;
    this.#setPhase("retained");
    if (previous === "retained" || previous === "releasing") return;
    // Swept before its render committed (a slow concurrent render), or closed and shown again (a hidden
    // <Activity>): take the slot back unless another connection for the same key holds it now.
    if (!connections.has(this.key)) connections.set(this.key, this);
    this.status.attach();
    if (this.#autoConnect && !this.socket.active) this.socket.connect();
    this.status.refresh();
  }

  /** A provider unmounted (its effect was cleaned up). */
  release(): void {
    if (this.#refs === 0) return;
    this.#refs--;
    if (this.#refs > 0) return;
    this.#setPhase("releasing");
    this.#scheduleClose();
  }

  #setPhase(next: Phase): void {
    this.#phase = next;
  }

  #scheduleClose(): void {
    this.#cancelClose();
    this.#closeTimer = setTimeout(() => {
      this.#closeTimer = undefined;
      this.#close();
    }, 0);
  }

  #cancelClose(): void {
    if (this.#closeTimer === undefined) return;
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
  }

  #close(): void {
    if (this.#phase !== "unclaimed" && this.#phase !== "releasing") return;
    this.#setPhase("closed");
    if (connections.get(this.key) === this) connections.delete(this.key);
    this.status.detach();
    if (this.socket.active) {
      // The Manager closes its connection too when this was its last socket.
      this.socket.disconnect();
    } else if (this.socket.io.state === "idle") {
      // Never connected: closing the idle Manager only takes it out of io()'s cache, where it would stay.
      this.socket.io.close();
    }
  }
}
