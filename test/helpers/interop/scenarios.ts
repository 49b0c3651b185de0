// The core interop scenarios, registered once per client (socket.io-client, siolink) against one kind of
// server (python-socketio, older socket.io): transports, upgrade, namespaces, events and acks both ways,
// binary, auth, connect_error data, server disconnect, reconnection after a restart.

import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { clientTest, loose, track, type ClientLib, type ClientOptions, type ClientSocket } from "../clients";
import { once } from "../wait";
import type { InteropServer, InteropServerFactory } from "./scenario-server";

const ACK_TIMEOUT = 10_000;

/** Emits with an ack and resolves with every argument of the ack (emitWithAck keeps only the first). */
export function ackAll(socket: ClientSocket, event: string, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    socket.timeout(ACK_TIMEOUT).emit(event, ...args, (error: Error | null, ...answer: unknown[]) => {
      if (error) reject(new Error(`no ack for "${event}": ${error.message}`));
      else resolve(answer);
    });
  });
}

interface Whoami {
  nsp: string;
  auth: unknown;
  transport: string;
}

export async function whoami(socket: ClientSocket): Promise<Whoami> {
  const [who] = await ackAll(socket, "whoami");
  return who as Whoami;
}

/** Binary as Node users of socket.io-client receive it: a Buffer. */
function bytes(value: unknown): Buffer {
  assert.ok(Buffer.isBuffer(value), `expected a Buffer, got ${Object.prototype.toString.call(value)}`);
  return value;
}

/** Events and acks in both directions, text and binary, on a connected socket. */
export async function exchange(socket: ClientSocket): Promise<void> {
  // client → server with an ack carrying several arguments back
  const text = ["héllo ✓", 42, { nested: [1, null, true, "x"] }];
  assert.deepEqual(await ackAll(socket, "echo", ...text), text);

  // binary both ways: top-level and nested, in an ack
  const blob = Buffer.from([0, 1, 2, 127, 128, 254, 255]);
  const [top, nested] = await ackAll(socket, "echo", blob, { name: "file.bin", data: new Uint8Array([9, 8, 7]) });
  assert.ok(bytes(top).equals(blob));
  assert.equal((nested as { name: string }).name, "file.bin");
  assert.ok(bytes((nested as { data: unknown }).data).equals(Buffer.from([9, 8, 7])));

  // server → client: a plain event with binary, then an event whose ack the client answers
  const pushed = once<[string, unknown]>(socket, "news");
  socket.emit("push", { event: "news", args: ["fresh", Buffer.from("bin")] });
  const [headline, payload] = await pushed;
  assert.equal(headline, "fresh");
  assert.ok(bytes(payload).equals(Buffer.from("bin")));

  socket.on("question", (n: number, answer: (reply: unknown) => void) => answer({ doubled: n * 2 }));
  const [reply] = await ackAll(socket, "ask", { event: "question", args: [21] });
  assert.deepEqual(reply, { doubled: 42 });
  socket.off("question");
}

/** Resolves on "connect"; fails at once on "connect_error" with its message (no 10 s wait for nothing). */
export function connected(socket: ClientSocket, timeoutMs = 10_000): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
      if (error) reject(error);
      else resolve();
    };
    const onConnect = (): void => done();
    const onError = (error: Error): void => done(new Error(`connect_error instead of connect: ${error.message}`));
    const timer = setTimeout(() => done(new Error(`no "connect" within ${timeoutMs} ms`)), timeoutMs);
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
  });
}

/** Options that keep reconnection quick: a restart should not cost the test seconds of backoff. */
const QUICK_RECONNECT: ClientOptions = { reconnectionDelay: 50, reconnectionDelayMax: 250, randomizationFactor: 0 };

/** The server, stopped for sure at the end of the test even when start() was repeated. */
async function serverFor(t: TestContext, factory: InteropServerFactory): Promise<InteropServer> {
  const server = await factory(t);
  t.after(() => server.stop());
  return server;
}

export function coreScenarios(label: string, factory: InteropServerFactory): void {
  for (const transport of ["websocket", "polling"] as const) {
    clientTest(`${label}: ${transport} only: events, acks and binary both ways`, async (t, lib: ClientLib) => {
      const server = await serverFor(t, factory);
      const socket = track(t, lib.io(server.url, { transports: [transport], reconnection: false }));
      await connected(socket);
      assert.equal(socket.io.engine.transport.name, transport);
      const who = await whoami(socket);
      assert.equal(who.transport, transport);
      assert.equal(who.nsp, "/");
      await exchange(socket);
    });
  }

  clientTest(`${label}: polling upgrades to websocket`, async (t, lib) => {
    const server = await serverFor(t, factory);
    const socket = track(t, lib.io(server.url, { transports: ["polling", "websocket"], reconnection: false }));
    await connected(socket);
    const engine = loose(socket.io.engine as unknown as ClientSocket);
    if (socket.io.engine.transport.name !== "websocket") await once(engine, "upgrade");
    assert.equal(socket.io.engine.transport.name, "websocket");
    assert.equal((await whoami(socket)).transport, "websocket");
    await exchange(socket);
  });

  clientTest(`${label}: namespaces share one connection; an unknown one gets connect_error`, async (t, lib, name) => {
    const server = await serverFor(t, factory);
    const manager = new lib.Manager(server.url, { reconnection: false });
    const main = track(t, manager.socket("/", { auth: { token: "main" } }));
    const admin = track(t, manager.socket("/admin", { auth: { token: "admin" } }));
    main.connect();
    admin.connect();
    await Promise.all([connected(main), connected(admin)]);
    const mainWho = await whoami(main);
    assert.equal(mainWho.nsp, "/");
    assert.deepEqual(mainWho.auth, { token: "main" });
    const adminWho = await whoami(admin);
    assert.equal(adminWho.nsp, "/admin");
    assert.deepEqual(adminWho.auth, { token: "admin" });
    assert.equal(main.io, admin.io);
    await exchange(admin);

    const unknown = track(t, manager.socket("/nope"));
    const failed = once<[Error]>(unknown, "connect_error");
    unknown.connect();
    const [error] = await failed;
    assert.ok(error instanceof Error);
    // python-socketio refuses with a bare string payload ("Unable to connect"), socket.io with an object
    // ("Invalid namespace"); socket.io-client turns the former into an empty message, siolink keeps it.
    if (name === "siolink") assert.match(error.message, /\S/);
    assert.equal(unknown.connected, false);
    // the refusal of one namespace leaves the others working
    assert.deepEqual(await ackAll(admin, "echo", "still here"), ["still here"]);
  });

  clientTest(`${label}: auth reaches the server; a refusal carries its message and data`, async (t, lib) => {
    const server = await serverFor(t, factory);
    const good = track(t, lib.io(server.url, { auth: { token: "good", user: "ana" }, reconnection: false }));
    await connected(good);
    assert.deepEqual((await whoami(good)).auth, { token: "good", user: "ana" });

    const bad = track(t, lib.io(server.url, { auth: { token: "bad" }, forceNew: true, reconnection: false }));
    const [error] = await once<[Error & { data?: unknown }]>(bad, "connect_error");
    assert.equal(error.message, "not authorized");
    assert.deepEqual(error.data, { code: 4001, reason: "bad token" });
    assert.equal(bad.connected, false);
    assert.equal(bad.active, false);
  });

  clientTest(`${label}: a server-side disconnect is final ("io server disconnect")`, async (t, lib) => {
    const server = await serverFor(t, factory);
    const socket = track(t, lib.io(server.url, QUICK_RECONNECT));
    await connected(socket);
    const disconnected = once<[string]>(socket, "disconnect");
    socket.emit("kick");
    const [reason] = await disconnected;
    assert.equal(reason, "io server disconnect");
    assert.equal(socket.connected, false);
    assert.equal(socket.active, false);
  });

  clientTest(`${label}: the client reconnects after the server restarts`, async (t, lib) => {
    const server = await serverFor(t, factory);
    const socket = track(t, lib.io(server.url, QUICK_RECONNECT));
    await connected(socket);
    await ackAll(socket, "echo", "before");
    const firstId = socket.id;

    const disconnected = once<[string]>(socket, "disconnect");
    await server.stop();
    const [reason] = await disconnected;
    assert.match(reason, /^transport (close|error)$/);
    assert.equal(socket.active, true, "a dropped connection must be retried");

    const reconnected = once(loose(socket.io), "reconnect", { timeoutMs: 20_000 });
    await server.start();
    await reconnected;
    await connected(socket);
    assert.notEqual(socket.id, firstId);
    assert.deepEqual(await ackAll(socket, "echo", "after"), ["after"]);
  }, { timeout: 40_000 });
}
