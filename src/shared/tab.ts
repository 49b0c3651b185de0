// The Socket a tab holds with siolink/shared: the API of siolink's Socket, with the connection in the host.
// Listeners, acknowledgement callbacks and timers live here, in the tab; the host only relays.

import { Emitter } from "@socket.io/component-emitter";
import { invalidArg, TimeoutError } from "../errors";
import { RESERVED_EVENTS } from "../internal/constants";
import type {
  AckValue,
  AllButLast,
  AnyEventListener,
  DecorateAcknowledgements,
  DefaultEventsMap,
  DisconnectDescription,
  DisconnectReason,
  EventNames,
  EventParams,
  EventsMap,
  Last,
  ManagerReservedEvents,
  SocketReservedEvents,
  SocketStatus,
  TypedEventEmitter,
  UntypedArg,
} from "../types";
import type { Hub, HubSocket } from "./hub";
import { toError, type HostMessage, type SocketState, type TabMessage } from "./protocol";

type AnyFn = (...args: any[]) => void;

const TypedEmitter = Emitter as unknown as new <User extends EventsMap, Reserved extends EventsMap>() => TypedEventEmitter<User, Reserved>;
const emitterEmit = Emitter.prototype.emit as (this: object, ...eventAndArgs: unknown[]) => unknown;

/** Calls listeners; a listener's exception surfaces on its own stack, never inside the relay. */
function fire(target: object, ev: string, args: unknown[]): void {
  try {
    emitterEmit.call(target, ev, ...args);
  } catch (error) {
    setTimeout(() => {
      throw error;
    });
  }
}

/** The Manager-like `socket.io` of a shared socket: the host's Manager events, relayed. */
export class SharedManager extends TypedEmitter<{}, Omit<ManagerReservedEvents, "packet" | "latency">> {
  /** The connection lives in another context: there is no engine here. */
  readonly engine = undefined;
  readonly uri: string;
  readonly opts: Readonly<Record<string, unknown>>;
  constructor(uri: string, opts: Readonly<Record<string, unknown>>) {
    super();
    this.uri = uri;
    this.opts = opts;
  }
}

interface Flags {
  timeout?: number;
  volatile?: boolean;
  compress?: boolean;
}

/**
 * A socket whose connection is shared with the other tabs of the origin. Same API as siolink's Socket; what
 * differs is documented on siolink/shared (options must be structured-cloneable, `retries` is not offered).
 */
export class SharedSocket<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>
  extends TypedEmitter<ListenEvents, SocketReservedEvents>
  implements HubSocket
{
  readonly io: SharedManager;
  readonly nsp: string;
  id: string | undefined;
  auth: unknown;
  readonly #hub: Hub;
  readonly #s: number;
  readonly #uri: string;
  readonly #opts: Record<string, unknown>;
  readonly #ackTimeout: number | undefined;
  #status: SocketStatus = "disconnected";
  /** Open in the host (connect() called, disconnect() not since). */
  #open = false;
  #connected = false;
  #hostActive = false;
  #flags: Flags = {};
  /** Emits made while not open, sent on connect() (what a direct Socket's send buffer does). */
  #buffer: Array<Extract<TabMessage, { t: "emit" }>> = [];
  readonly #acks = new Map<number, { fn: AnyFn; timer?: ReturnType<typeof setTimeout> }>();
  #nextAck = 0;
  #any: AnyFn[] = [];
  #anyOut: AnyFn[] = [];

  /** @internal Created by io() of siolink/shared. */
  constructor(hub: Hub, uri: string, nsp: string, opts: Record<string, unknown>, ackTimeout: number | undefined) {
    super();
    this.#hub = hub;
    this.#uri = uri;
    this.#opts = opts;
    this.#ackTimeout = ackTimeout;
    this.nsp = nsp;
    this.auth = opts.auth;
    this.io = new SharedManager(uri, opts);
    this.#s = hub.add(this);
    if (opts.autoConnect !== false) this.connect();
  }

  get connected(): boolean {
    return this.#connected;
  }
  get disconnected(): boolean {
    return !this.#connected;
  }
  get active(): boolean {
    return this.#open && this.#hostActive;
  }
  get status(): SocketStatus {
    return this.#status;
  }

  connect(): this {
    if (this.#open) {
      if (!this.#connected) this.#hub.send({ t: "connect", s: this.#s });
      return this;
    }
    this.#open = true;
    this.#hostActive = true;
    this.#setStatus("connecting");
    const open = this.openMessage();
    if (open) this.#hub.send(open);
    for (const message of this.#buffer.splice(0)) this.#hub.sendEmit(message);
    return this;
  }

  open(): this {
    return this.connect();
  }

  disconnect(): this {
    if (!this.#open) return this;
    this.#open = false;
    this.#hub.send({ t: "close", s: this.#s });
    this.#hub.forget(this.#s);
    const was = this.#connected;
    this.#connected = false;
    this.id = undefined;
    this.#setStatus("disconnected");
    if (was) fire(this, "disconnect", ["io client disconnect"]);
    return this;
  }

  close(): this {
    return this.disconnect();
  }

  send(...args: UntypedArg[]): this {
    this.#emit("message", args, false);
    return this;
  }

  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this {
    this.#emit(ev as string, args, false);
    return this;
  }

  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<AckValue<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      const settle = (err: unknown, value: any): void => (err != null ? reject(err) : resolve(value));
      this.#emit(ev as string, [...(args as unknown[]), settle], true);
    });
  }

  compress(compress: boolean): this {
    this.#flags.compress = compress;
    return this;
  }

  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  timeout(timeout: number): SharedSocket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    this.#flags.timeout = timeout;
    return this as unknown as SharedSocket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  onAny(listener: AnyEventListener<ListenEvents>): this {
    this.#any.push(listener);
    return this;
  }
  prependAny(listener: AnyEventListener<ListenEvents>): this {
    this.#any.unshift(listener);
    return this;
  }
  offAny(listener?: AnyEventListener<ListenEvents>): this {
    this.#any = listener ? this.#any.filter((fn) => fn !== listener) : [];
    return this;
  }
  listenersAny(): AnyFn[] {
    return [...this.#any];
  }
  onAnyOutgoing(listener: AnyFn): this {
    this.#anyOut.push(listener);
    return this;
  }
  prependAnyOutgoing(listener: AnyFn): this {
    this.#anyOut.unshift(listener);
    return this;
  }
  offAnyOutgoing(listener?: AnyFn): this {
    this.#anyOut = listener ? this.#anyOut.filter((fn) => fn !== listener) : [];
    return this;
  }
  listenersAnyOutgoing(): AnyFn[] {
    return [...this.#anyOut];
  }

  /** The host's counters (clients, socket handles, sockets, listeners it holds): for tests and diagnostics. */
  debugHost(): ReturnType<Hub["debug"]> {
    return this.#hub.debug();
  }

  #emit(ev: string, args: unknown[], withAck: boolean): void {
    const flags = this.#flags;
    this.#flags = {};
    if (RESERVED_EVENTS.has(ev)) throw invalidArg(`"${ev}" is a reserved event name`);
    const last = args[args.length - 1];
    const payload = typeof last === "function" ? args.slice(0, -1) : args;
    const message: Extract<TabMessage, { t: "emit" }> = { t: "emit", s: this.#s, ev, args: payload };
    try {
      structuredClone(payload);
    } catch (error) {
      throw invalidArg(`siolink/shared: the arguments of "${ev}" cannot be sent to the shared connection (structured clone)`, error);
    }
    if (flags.compress === false) message.c = false;
    for (const fn of [...this.#anyOut]) fn(ev, ...payload);
    if (flags.volatile) {
      if (!this.#open || !this.#connected) return;
      message.v = true;
    }
    if (typeof last === "function") {
      const a = ++this.#nextAck;
      message.a = a;
      const timeout = flags.timeout ?? this.#ackTimeout;
      const entry: { fn: AnyFn; timer?: ReturnType<typeof setTimeout> } = {
        fn: timeout === undefined && !withAck ? (last as AnyFn) : (...reply: unknown[]) => (last as AnyFn)(null, ...reply),
      };
      if (timeout !== undefined) {
        entry.timer = setTimeout(() => {
          this.#acks.delete(a);
          (last as AnyFn)(new TimeoutError("operation has timed out"));
        }, timeout);
      }
      this.#acks.set(a, entry);
    }
    if (message.v) this.#hub.send(message);
    else if (this.#open) this.#hub.sendEmit(message);
    else this.#buffer.push(message);
  }

  #setStatus(status: SocketStatus): void {
    const from = this.#status;
    if (from === status) return;
    this.#status = status;
    fire(this, "status:change", [{ from, to: status }]);
  }

  #apply(state: SocketState): void {
    this.#hostActive = state.a;
    if (this.#open) this.#setStatus(state.st);
  }

  /** @internal */
  openMessage(): TabMessage | undefined {
    return this.#open ? { t: "open", s: this.#s, uri: this.#uri, opts: this.#opts } : undefined;
  }

  /** @internal */
  hostChanged(): void {
    if (!this.#open) return;
    if (this.#connected) {
      this.#connected = false;
      this.id = undefined;
      this.#setStatus("reconnecting");
      fire(this, "disconnect", ["transport close", { description: "the shared connection's host changed" }]);
    }
  }

  /** @internal */
  receive(m: HostMessage): void {
    if (!this.#open) return;
    switch (m.t) {
      case "state":
        return this.#apply(m.state);
      case "connect": {
        const again = this.#connected && this.id === m.state.id;
        this.id = m.state.id;
        this.#connected = true;
        this.#apply(m.state);
        if (!again) fire(this, "connect", []);
        return;
      }
      case "disconnect": {
        const was = this.#connected;
        this.#connected = false;
        this.id = undefined;
        this.#apply(m.state);
        if (was) fire(this, "disconnect", [m.reason as DisconnectReason, m.desc as DisconnectDescription | undefined]);
        return;
      }
      case "cerr":
        this.#apply(m.state);
        return fire(this, "connect_error", [toError(m.e)]);
      case "ev": {
        const args: unknown[] = [...m.args];
        const a = m.a;
        if (a !== undefined) {
          let answered = false;
          args.push((...reply: unknown[]) => {
            if (answered) return;
            answered = true;
            this.#hub.send({ t: "ack", a, args: reply });
          });
        }
        for (const fn of [...this.#any]) fn(m.ev, ...args);
        return fire(this, m.ev, args);
      }
      case "ack": {
        const ack = this.#acks.get(m.a);
        if (!ack) return;
        this.#acks.delete(m.a);
        clearTimeout(ack.timer);
        return ack.fn(...m.args);
      }
      case "io":
        return fire(this.io, m.ev, m.args.map((arg) => (arg && typeof arg === "object" && "message" in arg && "name" in arg ? toError(arg as never) : arg)));
    }
  }
}
