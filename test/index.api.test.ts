// Proves the public entry: socket.io-client's export shape (io, connect, default, Manager, Socket, protocol,
// io.* aliases), the error classes, no side effects at import time, and, checked by `tsc`, that typed event
// maps drive emit / on / emitWithAck / timeout() the way socket.io-client's typings do (without `any`).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as siolink from "../src/index";
import defaultIo, {
  AbortError,
  ConnectError,
  connect,
  io,
  isSioError,
  Manager,
  ProtocolError,
  protocol,
  SioError,
  Socket,
  TimeoutError,
  TransportError,
  type DefaultEventsMap,
  type DisconnectReason,
  type ManagerOptions,
  type SocketOptions,
} from "../src/index";
import { once } from "./helpers/wait";

test("exports: io is connect is default, with Manager, Socket, protocol on it", () => {
  assert.equal(typeof io, "function");
  assert.equal(connect, io);
  assert.equal(defaultIo, io);
  assert.equal(io.io, io);
  assert.equal(io.connect, io);
  assert.equal(io.Manager, Manager);
  assert.equal(io.Socket, Socket);
  assert.equal(io.protocol, 5);
  assert.equal(protocol, 5);
  for (const name of ["io", "connect", "default", "Manager", "Socket", "protocol"]) {
    assert.ok(name in siolink, `missing export ${name}`);
  }
});

test("exports: the error family", () => {
  for (const ErrorClass of [TransportError, ProtocolError, TimeoutError, ConnectError, AbortError]) {
    assert.ok(ErrorClass.prototype instanceof SioError);
  }
  assert.equal(isSioError(new TimeoutError("x")), true);
  assert.equal(isSioError(new Error("x")), false);
});

test("bad input at io() is a typed error, not a crash", () => {
  assert.throws(() => io(42 as unknown as string), { code: "ERR_INVALID_ARG" });
  assert.throws(() => io("http://127.0.0.1:1", { autoConnect: false, forceNew: true, ackTimeout: -5 }), {
    code: "ERR_INVALID_ARG",
  });
  assert.throws(
    () => new Manager("http://127.0.0.1:1", { autoConnect: false, parser: {} as ManagerOptions["parser"] & object }),
    { code: "ERR_INVALID_ARG" },
  );
});

test("importing the entry point has no side effects: no handles, no globals", async () => {
  const entry = new URL("../src/index.ts", import.meta.url).href;
  const script = `
    const globalsBefore = new Set(Object.getOwnPropertyNames(globalThis));
    const resourcesBefore = process.getActiveResourcesInfo().length;
    await import(${JSON.stringify(entry)});
    const added = Object.getOwnPropertyNames(globalThis).filter((k) => !globalsBefore.has(k));
    process.stdout.write(JSON.stringify({ added, resources: process.getActiveResourcesInfo().length - resourcesBefore }));
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = await once<[number | null]>(child, "exit", { timeoutMs: 25_000 });
  assert.equal(code, 0);
  const result = JSON.parse(output) as { added: string[]; resources: number };
  assert.deepEqual(result.added, []);
  // Loader handles may go away meanwhile; what matters is that nothing new keeps the process alive.
  assert.ok(result.resources <= 0, `${result.resources} new active resources after the import`);
});

// ---------------------------------------------------------------------------------------------------------
// Type-level checks: compiled by `tsc --noEmit` (npm test), never run. A wrong inference fails the build, and
// every @ts-expect-error fails it too if the line it guards stops being an error.

interface ServerToClient {
  news: (text: string, n: number) => void;
  ask: (question: string, reply: (answer: number) => void) => void;
}
interface ClientToServer {
  hello: (name: string, ack: (reply: { ok: boolean }) => void) => void;
  fire: (x: number) => void;
}

export function typedUsage(url: string): void {
  const socket: Socket<ServerToClient, ClientToServer> = io(url);
  socket.on("news", (text, n) => {
    const s: string = text;
    const m: number = n;
    void s;
    void m;
  });
  socket.on("ask", (_q, reply) => reply(1));
  socket.on("connect_error", (err) => err.message);
  socket.on("disconnect", (reason) => {
    const r: DisconnectReason = reason;
    void r;
  });
  socket.emit("hello", "bob", (reply) => {
    const ok: boolean = reply.ok;
    void ok;
  });
  socket.emit("fire", 1);
  // @ts-expect-error wrong argument type
  socket.emit("fire", "1");
  // @ts-expect-error unknown event
  socket.emit("nope");
  // @ts-expect-error reserved events are listened to, not emitted
  socket.emit("connect");
  const reply: Promise<{ ok: boolean }> = socket.emitWithAck("hello", "bob");
  const timed: Promise<{ ok: boolean }> = socket.timeout(100).emitWithAck("hello", "bob");
  socket.timeout(100).emit("hello", "bob", (err, r) => {
    const e: Error = err;
    const ok: boolean = r.ok;
    void e;
    void ok;
  });
  void reply;
  void timed;
}

export function untypedUsage(url: string): void {
  const socket = io(url);
  const same: Socket<DefaultEventsMap, DefaultEventsMap> = socket;
  void same;
  socket.on("anything", (a: string, b: number) => void [a, b]);
  socket.on("anything", (a) => {
    const value: unknown = a;
    void value;
  });
  socket.on("callback", (done: () => void) => done());
  socket.emit("x", 1, "a", { a: 1 }, new Uint8Array(1));
  socket.emit("x", (res) => {
    const value: unknown = res;
    void value;
  });
  socket.emit("x", (res: string) => void res);
  socket.timeout(5).emit("x", (err, res) => void [err, res]);
  const anyReply: Promise<unknown> = socket.emitWithAck("x", 1);
  void anyReply;
  socket.onAny((event, ...args) => {
    const e: string = event;
    void [e, args];
  });
  socket.send("hi");
  socket.io.on("reconnect_attempt", (n) => {
    const attempt: number = n;
    void attempt;
  });
  socket.io.on("close", (reason) => void reason);
  socket.io.engine.on("upgrade", (transport) => void transport.name);
  const transportName: string = socket.io.engine.transport.name;
  void transportName;
  const manager = new Manager(url, { reconnectionDelay: 100, autoConnect: false });
  manager.reconnection(false).timeout(1000).reconnectionAttempts(3);
  const timeout: number | false = manager.timeout();
  void timeout;
  const options: ManagerOptions & SocketOptions = {
    auth: (cb) => cb({ token: "x" }),
    transports: ["websocket"],
    extraHeaders: { "x-a": "1" },
  };
  io(url, options);
  io({ auth: async () => ({ token: "y" }) });
  manager.socket("/admin", { auth: { token: 1 }, retries: 3, ackTimeout: 1000 });
}
