// Type tests for the typed Socket<Listen, Emit> (checked by `tsc --noEmit`, never run: the name keeps it out
// of the test glob). Every `@ts-expect-error` line must fail to compile; if one starts compiling, tsc
// reports the unused directive, so a loosened type cannot go unnoticed.

import {
  io,
  Manager,
  type BufferDrop,
  type DisconnectDescription,
  type DisconnectReason,
  type Socket,
  type SocketStatus,
  type StatusChange,
} from "../src/index";

// ---------------------------------------------------------------------------------------------------------
// Helpers: exact type equality (not mere assignability), checked at compile time.

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
declare function assertType<T extends true>(): void;
declare function expectType<T>(value: T): void;

// ---------------------------------------------------------------------------------------------------------
// Event maps as users write them.

interface ServerToClient {
  news: (text: string, at: number) => void;
  bin: (data: ArrayBuffer) => void;
  /** The server asks; the client answers through the callback. */
  ask: (question: string, answer: (yes: boolean) => void) => void;
}

interface ClientToServer {
  hello: (name: string) => void;
  noArgs: () => void;
  join: (room: string, ack: (members: number) => void) => void;
  getUser: (id: number, ack: (user: { id: number; name: string }) => void) => void;
}

declare const socket: Socket<ServerToClient, ClientToServer>;

// ---------------------------------------------------------------------------------------------------------
// io() returns the typed socket; Manager and Socket share the maps.

{
  const typed = io<ServerToClient, ClientToServer>("http://localhost:3000", { auth: { token: "t" } });
  assertType<Equal<typeof typed, Socket<ServerToClient, ClientToServer>>>();
  const sameMaps = io<ServerToClient>("http://localhost:3000");
  assertType<Equal<typeof sameMaps, Socket<ServerToClient, ServerToClient>>>();
  // socket.io-client's documented pattern: annotate the variable, io() itself untyped.
  const annotated: Socket<ServerToClient, ClientToServer> = io("http://localhost:3000");
  annotated.emit("hello", "bob");
  const fromManager: Socket = new Manager("http://localhost:3000").socket("/admin");
  expectType<Socket>(fromManager);
  // @ts-expect-error io() takes a URL string or options, not a number
  io(3000);
  // @ts-expect-error unknown option types are refused
  io("http://localhost:3000", { reconnectionDelay: "1s" });
}

// ---------------------------------------------------------------------------------------------------------
// emit: event names and argument types come from the Emit map.

socket.emit("hello", "bob");
socket.emit("noArgs");
// @ts-expect-error unknown event name
socket.emit("helo", "bob");
// @ts-expect-error wrong argument type
socket.emit("hello", 42);
// @ts-expect-error missing argument
socket.emit("hello");
// @ts-expect-error extra argument
socket.emit("hello", "bob", "extra");
// @ts-expect-error an event of the Listen map is not an Emit event
socket.emit("news", "text", 1);
// @ts-expect-error reserved events are not user events
socket.emit("connect");

// Acknowledgement callbacks are typed from the map.
socket.emit("join", "room-1", (members) => {
  expectType<number>(members);
  assertType<Equal<typeof members, number>>();
});
socket.emit("getUser", 7, (user) => {
  assertType<Equal<typeof user, { id: number; name: string }>>();
});
// @ts-expect-error wrong ack callback parameter type
socket.emit("join", "room-1", (members: string) => void members);
// @ts-expect-error the ack callback is required by this map
socket.emit("join", "room-1");
// @ts-expect-error a callback where the map has none
socket.emit("hello", "bob", () => {});

// Flags keep the typing.
socket.volatile.emit("hello", "bob");
socket.compress(false).emit("hello", "bob");
// @ts-expect-error flags do not loosen the argument types
socket.volatile.emit("hello", 1);

// ---------------------------------------------------------------------------------------------------------
// emitWithAck resolves to the ack's argument type; its arguments exclude the callback.

{
  const members = socket.emitWithAck("join", "room-1");
  assertType<Equal<typeof members, Promise<number>>>();
  const user = socket.emitWithAck("getUser", 1);
  assertType<Equal<Awaited<typeof user>, { id: number; name: string }>>();
  // @ts-expect-error wrong argument type
  void socket.emitWithAck("join", 1);
  // @ts-expect-error unknown event name
  void socket.emitWithAck("leave", "room-1");
}

// ---------------------------------------------------------------------------------------------------------
// timeout(): the callback becomes error-first; emitWithAck still resolves to the ack value.

socket.timeout(5000).emit("join", "room-1", (err, members) => {
  assertType<Equal<typeof err, Error>>();
  assertType<Equal<typeof members, number>>();
});
// @ts-expect-error under timeout() the callback must take the error first
socket.timeout(5000).emit("join", "room-1", (members: number) => void members);
// @ts-expect-error the value after the error keeps its type
socket.timeout(5000).emit("join", "room-1", (err: Error, members: string) => void [err, members]);
{
  const members = socket.timeout(5000).emitWithAck("join", "room-1");
  assertType<Equal<typeof members, Promise<number>>>();
  // @ts-expect-error wrong argument type under timeout() too
  void socket.timeout(5000).emitWithAck("join", false);
}

// ---------------------------------------------------------------------------------------------------------
// on / once / off: listener parameters come from the Listen map.

socket.on("news", (text, at) => {
  assertType<Equal<typeof text, string>>();
  assertType<Equal<typeof at, number>>();
});
socket.once("bin", (data) => {
  assertType<Equal<typeof data, ArrayBuffer>>();
});
socket.on("ask", (question, answer) => {
  expectType<string>(question);
  answer(true);
  // @ts-expect-error the answer callback takes a boolean
  answer("yes");
});
// @ts-expect-error unknown event name
socket.on("newz", () => {});
// @ts-expect-error wrong listener parameter type
socket.on("news", (text: number) => void text);
// @ts-expect-error an Emit event is not something the server sends
socket.on("hello", (name: string) => void name);
const onNews = (text: string, at: number) => void [text, at];
socket.on("news", onNews);
socket.off("news", onNews);
socket.off("news");
socket.off();

// ---------------------------------------------------------------------------------------------------------
// Reserved events: connect, connect_error gets an Error (with data), disconnect gets the reason.

socket.on("connect", () => {});
// @ts-expect-error connect has no arguments
socket.on("connect", (arg: string) => void arg);
socket.on("connect_error", (err) => {
  expectType<Error>(err);
  expectType<string>(err.message);
  const data: unknown = err.data;
  void data;
});
// @ts-expect-error connect_error gives an Error, not a string
socket.on("connect_error", (err: string) => void err);
socket.on("disconnect", (reason, description) => {
  assertType<Equal<typeof reason, DisconnectReason>>();
  expectType<DisconnectDescription | undefined>(description);
  if (reason === "io server disconnect") socket.connect();
  // @ts-expect-error not a disconnect reason socket.io-client reports
  if (reason === "server shutting down") socket.connect();
});

// The Manager's events.
socket.io.on("reconnect", (attempt) => assertType<Equal<typeof attempt, number>>());
socket.io.on("reconnect_attempt", (attempt) => expectType<number>(attempt));
socket.io.on("reconnect_error", (err) => expectType<Error>(err));
socket.io.on("reconnect_failed", () => {});
socket.io.on("error", (err) => expectType<Error>(err));
// @ts-expect-error the attempt number is a number
socket.io.on("reconnect", (attempt: string) => void attempt);
// @ts-expect-error unknown Manager event
socket.io.on("reconnected", () => {});

// ---------------------------------------------------------------------------------------------------------
// Catch-all listeners: the event name is a string.

// Catch-all listeners: the event name is typed from the Listen map, the arguments are unknown.
socket.onAny((event, ...args) => {
  assertType<Equal<typeof event, "news" | "bin" | "ask">>();
  expectType<unknown[]>(args);
  // @ts-expect-error an unknown argument: narrow it before use
  args[0].toFixed();
});
socket.onAny((event, first) => void [event, first]);
// socket.io-client style annotations keep compiling.
socket.onAny((event: string, ...args: unknown[]) => void [event, args]);
// @ts-expect-error an event name the map does not have
socket.onAny((event) => event === "newz");
socket.prependAny((event: string) => void event);
socket.onAnyOutgoing((event, ...args) => {
  expectType<string>(event);
  void args;
});
// @ts-expect-error the event name is a string
socket.onAny((event: number) => void event);
// @ts-expect-error the event name is a string
socket.onAnyOutgoing((event: number) => void event);

// ---------------------------------------------------------------------------------------------------------
// The default (untyped) socket: exactly as permissive as socket.io-client's (arguments are `any`), so code
// written for socket.io-client compiles unchanged under `strict: true` (this file's tsconfig).

{
  const loose = io("http://localhost:3000");
  // Listeners: unannotated arguments are any, as with socket.io-client.
  loose.on("news", (data) => data.title);
  loose.on("news", (data) => {
    assertType<Equal<typeof data, any>>();
    const n: number = data.count + 1;
    void n;
  });
  loose.once("update", (a, b, c) => void [a.x, b.y, c.z]);
  loose.off("news");
  loose.on("whatever", (a: string, b: number) => void [a, b]);
  // A server-sent acknowledgement: the last argument is callable.
  loose.on("ask", (question, reply) => reply({ answer: question.text.length }));
  // Emits with acknowledgements: the callback's arguments are any (socket.io-client makes them implicit anys).
  loose.emit("anything", 1, { a: [true] }, (reply: unknown) => void reply);
  loose.emit("hello", "world", (reply) => void reply.ok);
  loose.emit("hello", (a, b) => void [a.x, b.y]);
  loose.send("hi", (reply: string) => void reply);
  // timeout(): error-first callbacks.
  loose.timeout(1000).emit("q", (err: Error, value: unknown) => void [err, value]);
  loose.timeout(1000).emit("q", 1, (err, value) => void [err.message, value.field]);
  // emitWithAck resolves to any.
  const reply = loose.emitWithAck("q", 1);
  assertType<Equal<typeof reply, Promise<any>>>();
  void reply.then((value) => value.items.length);
  void loose.timeout(500).emitWithAck("q").then((value) => value.ok);
  // Catch-all listeners: the event name is a string, the arguments any.
  loose.onAny((event, ...args) => {
    assertType<Equal<typeof event, string>>();
    void args[0].id;
  });
  loose.prependAny((event, first) => void [event.length, first.x]);
  loose.onAnyOutgoing((event, ...args) => void [event, args[0].y]);
  loose.offAny();
  // waitFor: the event's arguments, any.
  void loose.waitFor("news").then(([data]) => data.title);
  // socket.io-client style annotations keep compiling.
  loose.onAny((event: string, ...args: any[]) => void [event, args]);
  const untyped: Socket = loose;
  untyped.emit("x", { a: 1 }, new Uint8Array(1));
  // Still not anything goes: the Socket's own methods are checked.
  // @ts-expect-error the timeout is a number
  loose.timeout("1s");
}

// The same code with event maps keeps its precise types: each line below would compile if the typed maps fell
// back to any.
{
  const typed: Socket<ServerToClient, ClientToServer> = io("http://localhost:3000");
  typed.on("news", (text) => {
    assertType<Equal<typeof text, string>>();
    // @ts-expect-error text is a string, not an object with a title
    void text.title;
  });
  // @ts-expect-error an unknown event of a typed map
  typed.on("newz", (data) => void data);
  typed.emit("join", "room", (members) => assertType<Equal<typeof members, number>>());
  // @ts-expect-error the acknowledgement gets a number
  typed.emit("join", "room", (members: string) => void members);
  const user = typed.emitWithAck("getUser", 1);
  assertType<Equal<typeof user, Promise<{ id: number; name: string }>>>();
  typed.timeout(5).emit("join", "room", (err, members) => {
    assertType<Equal<typeof err, Error>>();
    assertType<Equal<typeof members, number>>();
  });
  typed.onAny((event, ...args) => {
    assertType<Equal<typeof args, unknown[]>>();
    void event;
  });
  // @ts-expect-error onAny arguments of a typed map are unknown: narrow them
  typed.onAny((_event, first) => void first.x);
}

// ---------------------------------------------------------------------------------------------------------
// State members.

expectType<boolean>(socket.connected);
expectType<boolean>(socket.disconnected);
expectType<boolean>(socket.active);
expectType<boolean>(socket.recovered);
expectType<string | undefined>(socket.id);
// @ts-expect-error connected is read-only
socket.connected = true;

// ---------------------------------------------------------------------------------------------------------
// siolink's reserved events: status:change and buffer:drop.

socket.on("status:change", (change) => {
  assertType<Equal<typeof change, StatusChange>>();
  assertType<Equal<typeof change.to, SocketStatus>>();
  // @ts-expect-error not a status
  if (change.from === "open") socket.connect();
});
socket.on("buffer:drop", (drop) => {
  assertType<Equal<typeof drop, BufferDrop>>();
  assertType<Equal<typeof drop.reason, "overflow" | "expired" | "aborted">>();
  expectType<Error>(drop.error);
  expectType<unknown[]>(drop.args);
});
// @ts-expect-error status:change gives one object
socket.on("status:change", (from: string, to: string) => void [from, to]);
expectType<SocketStatus>(socket.status);
// @ts-expect-error status is read-only
socket.status = "connected";

// The buffer option.
io("http://localhost:3000", { buffer: { maxPackets: 100, maxBytes: 1e6, maxAgeMs: 30_000, overflow: "drop-newest" } });
// @ts-expect-error unknown overflow policy
io("http://localhost:3000", { buffer: { overflow: "drop-random" } });
// @ts-expect-error limits are numbers
io("http://localhost:3000", { buffer: { maxPackets: "100" } });

// ---------------------------------------------------------------------------------------------------------
// signal(): like timeout(), callbacks become error-first; composes with timeout() in either order.

declare const signal: AbortSignal;
socket.signal(signal).emit("join", "room-1", (err, members) => {
  assertType<Equal<typeof err, Error>>();
  assertType<Equal<typeof members, number>>();
});
// @ts-expect-error under signal() the callback must take the error first
socket.signal(signal).emit("join", "room-1", (members: number) => void members);
{
  const a = socket.timeout(5000).signal(signal).emitWithAck("join", "room-1");
  assertType<Equal<typeof a, Promise<number>>>();
  const b = socket.signal(signal).timeout(5000).emitWithAck("getUser", 1);
  assertType<Equal<Awaited<typeof b>, { id: number; name: string }>>();
  // @ts-expect-error wrong argument type under signal() too
  void socket.signal(signal).emitWithAck("join", 1);
  // @ts-expect-error signal() takes an AbortSignal
  socket.signal(5000);
}

// on / once with { signal }.
socket.on("news", (text) => expectType<string>(text), { signal });
socket.once("connect", () => {}, { signal });
// @ts-expect-error the options object has no such field
socket.on("news", () => {}, { timeout: 5 });

// ---------------------------------------------------------------------------------------------------------
// waitFor resolves to the event's arguments; ping to a number.

{
  const news = socket.waitFor("news", { timeout: 1000, signal });
  assertType<Equal<Awaited<typeof news>, [text: string, at: number]>>();
  const disconnect = socket.waitFor("disconnect");
  assertType<Equal<Awaited<typeof disconnect>, [reason: DisconnectReason, description?: DisconnectDescription]>>();
  const connected = socket.waitFor("connect");
  assertType<Equal<Awaited<typeof connected>, []>>();
  // @ts-expect-error unknown event name
  void socket.waitFor("newz");
  // @ts-expect-error an Emit event is not something the server sends
  void socket.waitFor("hello");
  // @ts-expect-error timeout is a number
  void socket.waitFor("news", { timeout: "1s" });
  const loose = io("http://localhost:3000").waitFor("anything");
  assertType<Equal<Awaited<typeof loose>, UntypedArgs>>();

  const rtt = socket.ping();
  assertType<Equal<typeof rtt, Promise<number>>>();
  void socket.ping("echo", { timeout: 2000, signal });
  // @ts-expect-error the options come second
  void socket.ping({ timeout: 2000 });
}
type UntypedArgs = Parameters<import("../src/index").UntypedCallback> extends unknown[]
  ? import("../src/index").UntypedArg[]
  : never;

// ---------------------------------------------------------------------------------------------------------
// socket.io-client's transport exports in `transports`, alone or mixed with names.

{
  const { WebSocket, Fetch, XHR, NodeXHR, NodeWebSocket, WebTransport } = await import("../src/index");
  io("http://localhost:3000", { transports: [WebSocket] });
  io("http://localhost:3000", { transports: [XHR, "websocket"] });
  io("http://localhost:3000", { transports: [Fetch, NodeXHR, NodeWebSocket, "polling"] });
  // @ts-expect-error not a transport
  io("http://localhost:3000", { transports: [{}] });
  io("http://localhost:3000", { transports: [WebTransport, "webtransport", WebSocket] });
  // @ts-expect-error not a transport name
  io("http://localhost:3000", { transports: ["webtransports"] });
}
