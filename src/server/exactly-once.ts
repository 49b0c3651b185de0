// siolink/server: exactlyOnce(), the server's half of exactly-once delivery, a middleware for socket.io 4
// servers (`io.use(exactlyOnce())` or `io.of("/x").use(...)`). The client's half and the wire format are
// described in src/exactly-once.ts: a client with `exactlyOnce: true` sends a random client id in the auth
// of every CONNECT and resends an emit under the packet id of its first try.
//
// How it hooks in. socket.io gives middlewares no way to see a packet id nor to answer an event without
// calling its handlers, so the middleware wraps two methods of each socket of a client that sent a client id,
// both present with the same contract from socket.io 4.0 to 4.8: `onevent(packet)` (an EVENT packet arrives;
// it appends `ack(packet.id)` to the arguments, calls the catch-all listeners, then the handlers) and
// `ack(id)` (makes the function that sends the ACK packet). Per (client, packet id):
// - first arrival: remembered as pending, then handled as usual; the handler's reply is stored, sent, and
//   also sent to every resend that arrived meanwhile;
// - a resend while the first is pending: waits for that first reply (no handler, no catch-all listener);
// - a resend after the reply: answered at once with the stored reply.
// Sockets are wrapped on the namespace's "connection" event, which also fires for sessions restored by
// connection state recovery (those skip middlewares by default). socket.io is only imported for its types.

import type { Socket } from "socket.io";
import { CLIENT_ID_KEY } from "../exactly-once";
import { invalidArg } from "../errors";

/** A reply as the handler gave it to its acknowledgement callback. */
export type Reply = readonly unknown[];

/**
 * Where first replies are kept. get() and set() may return promises (a shared store for several server
 * nodes); the default MemoryStore answers synchronously, which also keeps events in their arrival order.
 */
export interface ExactlyOnceStore {
  /** The first reply to message `id` of `client`, or undefined when it is not (or no longer) known. */
  get(client: string, id: number): Reply | undefined | PromiseLike<Reply | undefined>;
  /** Remembers the first reply to message `id` of `client`. */
  set(client: string, id: number, reply: Reply): void | PromiseLike<void>;
}

export interface MemoryStoreOptions {
  /** Replies remembered per client and namespace, the oldest forgotten first. Default 1,000. */
  window?: number;
  /** A reply is forgotten this many ms after it was given. Default 600,000 (10 minutes). */
  ttl?: number;
  /** Clients remembered, the least recently active forgotten first. Default 10,000. */
  maxClients?: number;
}

export interface ExactlyOnceOptions extends MemoryStoreOptions {
  /** Where replies are kept; default: a MemoryStore with `window`, `ttl` and `maxClients`. */
  store?: ExactlyOnceStore;
  /**
   * The key of a client's window. Default: the namespace and the client id. Fold in who the user is (e.g.
   * `socket.data.userId`) so that a leaked client id cannot read another user's replies.
   */
  key?: (socket: Socket, clientId: string) => string;
  /** First arrivals still waiting for their handler's reply, all clients together; oldest forgotten first. Default 10,000. */
  maxPending?: number;
}

/** What io.use() and namespace.use() take. */
export type ExactlyOnceMiddleware = (socket: Socket<any, any, any, any>, next: (err?: Error) => void) => void;

/** A resend waiting for the first reply: the socket it came on and its packet. */
interface Waiter {
  socket: Internals;
  packet: EventPacket;
}

interface EventPacket {
  id?: number;
  data?: unknown[];
}

/** The two socket.io Socket methods the middleware wraps (not in socket.io's public types). */
interface Internals {
  readonly connected: boolean;
  onevent(packet: EventPacket): void;
  ack(id: number): (...reply: unknown[]) => void;
}

/** Resends kept per pending message: a client resends one at a time, so more means a flood. */
const MAX_WAITERS = 16;
/** Client ids as siolink makes them: four uint32 in decimal. */
const CLIENT_ID = /^\d{1,10}(-\d{1,10}){3}$/;

function positive(name: string, value: unknown, integer: boolean): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value > 0) || (integer && !Number.isInteger(value))) {
    throw invalidArg(`${name} must be a positive ${integer ? "integer" : "number"}, got ${String(value)}`);
  }
}

function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * The default store: per client, a window of the latest `window` replies, each kept `ttl` ms; at most
 * `maxClients` clients, the least recently active forgotten first. At most window × maxClients replies.
 */
export class MemoryStore implements ExactlyOnceStore {
  readonly #window: number;
  readonly #ttl: number;
  readonly #maxClients: number;
  /** Clients in order of activity (least recent first); each window in order of its replies. */
  readonly #clients = new Map<string, Map<number, { reply: Reply; at: number }>>();

  constructor(options: MemoryStoreOptions = {}) {
    positive("window", options.window, true);
    positive("ttl", options.ttl, false);
    positive("maxClients", options.maxClients, true);
    this.#window = options.window ?? 1_000;
    this.#ttl = options.ttl ?? 600_000;
    this.#maxClients = options.maxClients ?? 10_000;
  }

  /** Clients remembered. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Replies remembered, all clients together. */
  get size(): number {
    let size = 0;
    for (const window of this.#clients.values()) size += window.size;
    return size;
  }

  get(client: string, id: number): Reply | undefined {
    const entry = this.#touch(client)?.get(id);
    return entry !== undefined && Date.now() - entry.at <= this.#ttl ? entry.reply : undefined;
  }

  set(client: string, id: number, reply: Reply): void {
    let window = this.#touch(client);
    if (window === undefined) {
      window = new Map();
      this.#clients.set(client, window);
    }
    window.delete(id);
    window.set(id, { reply, at: Date.now() });
    if (window.size > this.#window) window.delete(window.keys().next().value as number);
    this.#sweep(window);
    if (this.#clients.size > this.#maxClients) this.#clients.delete(this.#clients.keys().next().value as string);
    // Idle clients go as their replies expire: the least recently active one is checked on every set.
    const [oldest, idle] = this.#clients.entries().next().value as [string, Map<number, { at: number }>];
    if (idle !== window && this.#sweep(idle) === 0) this.#clients.delete(oldest);
  }

  /** The client's window, moved to the most recently active end. */
  #touch(client: string): Map<number, { reply: Reply; at: number }> | undefined {
    const window = this.#clients.get(client);
    if (window !== undefined) {
      this.#clients.delete(client);
      this.#clients.set(client, window);
    }
    return window;
  }

  /** Drops the expired replies of a window (the oldest come first); returns what is left. */
  #sweep(window: Map<number, { at: number }>): number {
    const expired = Date.now() - this.#ttl;
    for (const [id, entry] of window) {
      if (entry.at > expired) break;
      window.delete(id);
    }
    return window.size;
  }
}

/**
 * A socket.io 4 middleware that makes `exactlyOnce` clients' emits reach their handlers once: a resent emit
 * is answered with the first reply without calling the handler again. Clients without a client id (any
 * socket.io client, siolink without `exactlyOnce`) pass through untouched.
 *
 * @example
 * io.use(exactlyOnce());
 * io.of("/orders").use(exactlyOnce({ window: 100, ttl: 60_000 }));
 */
export function exactlyOnce(options: ExactlyOnceOptions = {}): ExactlyOnceMiddleware {
  positive("maxPending", options.maxPending, true);
  const store = options.store ?? new MemoryStore(options);
  const key = options.key ?? ((socket, clientId) => `${socket.nsp.name} ${clientId}`);
  const maxPending = options.maxPending ?? 10_000;
  /** First arrivals waiting for their reply ("client id" → the resends that came meanwhile). */
  const pending = new Map<string, Waiter[]>();
  const namespaces = new WeakSet<object>();
  const wrapped = new WeakSet<object>();

  const hold = (slot: string): void => {
    pending.set(slot, []);
    if (pending.size > maxPending) pending.delete(pending.keys().next().value as string);
  };

  /** The first reply came: remember it, answer the resends that waited. */
  const settle = (client: string, id: number, slot: string, reply: Reply): void => {
    const waiters = pending.get(slot);
    pending.delete(slot);
    const stored = store.set(client, id, reply);
    if (isThenable(stored)) stored.then(undefined, () => {});
    for (const waiter of waiters ?? []) waiter.socket.ack(id)(...reply);
  };

  const wrap = (socket: Socket): void => {
    const clientId: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.[CLIENT_ID_KEY];
    if (typeof clientId !== "string" || !CLIENT_ID.test(clientId) || wrapped.has(socket)) return;
    wrapped.add(socket);
    const client = key(socket, clientId);
    const self = socket as unknown as Internals;
    const onevent = self.onevent;
    const makeAck = self.ack;
    /** Set while onevent() runs for a first arrival: the ack it makes records the reply. */
    let capture: string | undefined;

    self.ack = function (this: Internals, id: number) {
      const send = makeAck.call(this, id);
      const slot = capture;
      if (slot === undefined) return send;
      capture = undefined;
      let done = false;
      return (...reply: unknown[]) => {
        if (!done) settle(client, id, slot, reply);
        done = true;
        send(...reply);
      };
    };

    /** Runs the handlers of a first arrival. */
    const run = (packet: EventPacket, slot: string): void => {
      capture = slot;
      try {
        onevent.call(self, packet);
      } finally {
        capture = undefined;
      }
    };

    self.onevent = function (this: Internals, packet: EventPacket) {
      const id = packet.id;
      if (typeof id !== "number") {
        onevent.call(this, packet);
        return;
      }
      const slot = `${client} ${id}`;
      const waiters = pending.get(slot);
      if (waiters !== undefined) {
        if (waiters.length >= MAX_WAITERS) waiters.shift();
        waiters.push({ socket: this, packet });
        return;
      }
      const found = store.get(client, id);
      if (!isThenable<Reply | undefined>(found)) {
        if (found !== undefined) makeAck.call(this, id)(...found);
        else {
          hold(slot);
          run(packet, slot);
        }
        return;
      }
      // A shared store: resends wait while it answers.
      hold(slot);
      const lookedUp = (reply: Reply | undefined): void => {
        if (reply !== undefined) {
          settle(client, id, slot, reply);
          makeAck.call(this, id)(...reply);
        } else if (this.connected) {
          if (!pending.has(slot)) hold(slot);
          run(packet, slot);
        } else {
          // Gone meanwhile: socket.io would drop the event. A resend that came on a newer socket takes over.
          const next = pending.get(slot) ?? [];
          pending.delete(slot);
          for (const waiter of next) waiter.socket.onevent(waiter.packet);
        }
      };
      found.then(lookedUp, () => lookedUp(undefined));
    };
  };

  return (socket, next) => {
    const nsp = socket.nsp;
    if (!namespaces.has(nsp)) {
      namespaces.add(nsp);
      // Fired synchronously after socket.io connects the socket, before any of its packets is read; also for
      // sessions restored by connection state recovery, which skip middlewares by default.
      nsp.on("connection", wrap);
    }
    next();
  };
}
