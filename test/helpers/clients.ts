// The client libraries the compatibility suite runs against (socket.io-client and siolink), and helpers that
// drive either one through socket.io-client's documented API only.

import { test, type TestContext } from "node:test";
import type * as SocketIoClient from "socket.io-client";
import type { ManagerOptions, SocketOptions } from "socket.io-client";
import type { Namespace, Socket as ServerSocket } from "socket.io";
import type { ServerOptions } from "socket.io";
import { startServer, type TestServer } from "./server";
import { once } from "./wait";

/** What `import * as lib from "<client>"` gives: io, connect, default, Manager, Socket. */
export type ClientLib = Pick<typeof SocketIoClient, "io" | "connect" | "default" | "Manager" | "Socket">;
export type ClientSocket = SocketIoClient.Socket;
export type ClientManager = SocketIoClient.Manager;
export type ClientOptions = Partial<ManagerOptions & SocketOptions>;
export type ClientName = "socket.io-client" | "siolink";

export type ClientUnderTest =
  | { name: ClientName; lib: ClientLib; skip: false }
  | { name: ClientName; lib: undefined; skip: string };

async function load(name: ClientName, specifier: string): Promise<ClientUnderTest> {
  try {
    const lib = (await import(specifier)) as ClientLib;
    for (const key of ["io", "connect", "default", "Manager", "Socket"] as const) {
      if (typeof lib[key] !== "function") {
        // Importable but not drop-in: run anyway, so the suite reports every scenario this breaks.
        console.error(`# ${name}: export "${key}" is missing or not a function`);
      }
    }
    return { name, lib, skip: false };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return { name, lib: undefined, skip: `${name} cannot be imported from ${specifier}: ${reason}` };
  }
}

// The siolink specifier is a variable so type-checking this helper never depends on src/index.ts existing.
const siolinkEntry: string = "../../src/index";

/** socket.io-client first: it is the reference the tests are validated against. */
export const clients: readonly ClientUnderTest[] = [
  await load("socket.io-client", "socket.io-client"),
  await load("siolink", siolinkEntry),
];

export interface ClientTestOptions {
  /** Failure bound for the whole scenario. Default 20 s. */
  timeout?: number;
  /** Skip for some clients only, with the reason. */
  skipFor?: Partial<Record<ClientName, string>>;
}

/**
 * Registers one test per client, named "<client>: <title>". The body receives the client's module and
 * must use only socket.io-client's documented v4 API on it.
 */
export function clientTest(
  title: string,
  body: (t: TestContext, lib: ClientLib, name: ClientName) => Promise<void>,
  options: ClientTestOptions = {},
): void {
  for (const client of clients) {
    const skip = client.skip || options.skipFor?.[client.name] || false;
    test(`${client.name}: ${title}`, { skip, timeout: options.timeout ?? 20_000 }, async (t) => {
      if (client.lib === undefined) return;
      await body(t, client.lib, client.name);
    });
  }
}

/** Disconnects the socket when the test ends, whatever happened: that also stops any reconnection loop. */
export function track<S extends ClientSocket>(t: TestContext, socket: S): S {
  t.after(() => {
    socket.disconnect();
  });
  return socket;
}

/** Resolves on the socket's next "connect" (at once when it is already connected). */
export async function connected(socket: ClientSocket, timeoutMs = 10_000): Promise<void> {
  if (socket.connected) return;
  await once(socket, "connect", { timeoutMs });
}

/** The next server-side socket in a namespace; call before the client connects. */
export function nextConnection(nsp: Namespace, timeoutMs = 10_000): Promise<ServerSocket> {
  return once<[ServerSocket]>(nsp, "connection", { timeoutMs }).then(([socket]) => socket);
}

export interface Pair {
  server: TestServer;
  client: ClientSocket;
  /** The server side of `client`, in the namespace of the URL. */
  serverSocket: ServerSocket;
}

/**
 * Starts a real socket.io server, connects one client with `lib.io(url + nsp, clientOpts)` and waits until
 * both sides see the connection. `onServer` runs before the client connects (to add middleware, handlers).
 */
export async function startPair(
  t: TestContext,
  lib: ClientLib,
  {
    serverOpts = {},
    clientOpts = {},
    nsp = "/",
    onServer,
  }: {
    serverOpts?: Partial<ServerOptions> & { port?: number };
    clientOpts?: ClientOptions;
    nsp?: string;
    onServer?: (server: TestServer) => void;
  } = {},
): Promise<Pair> {
  const server = await startServer(t, serverOpts);
  onServer?.(server);
  const serverSide = nextConnection(server.io.of(nsp));
  const client = track(t, lib.io(server.url + (nsp === "/" ? "" : nsp), clientOpts));
  const [serverSocket] = await Promise.all([serverSide, connected(client)]);
  return { server, client, serverSocket };
}

/**
 * Proves a negative: fails if `event` fires on `emitter` within `windowMs`. The window is an observation
 * bound (how long a wrong implementation would need to misbehave), never a measured duration.
 */
export function expectNoEvent(
  emitter: { on(event: string, fn: (...args: any[]) => void): unknown; off(event: string, fn: (...args: any[]) => void): unknown },
  event: string,
  windowMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onEvent = (...args: unknown[]) => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      reject(new Error(`unexpected "${event}" event: ${JSON.stringify(args.map(String))}`));
    };
    const timer = setTimeout(() => {
      emitter.off(event, onEvent);
      resolve();
    }, windowMs);
    emitter.on(event, onEvent);
  });
}

/** A round trip through the server: everything the server sent before its reply has been delivered after it. */
export async function roundTrip(client: ClientSocket, serverSocket: ServerSocket): Promise<void> {
  if (serverSocket.listeners("__roundtrip").length === 0) {
    serverSocket.on("__roundtrip", (ack: (ok: true) => void) => ack(true));
  }
  await client.timeout(10_000).emitWithAck("__roundtrip");
}

/**
 * Resolves once the server side of a default-transports session is on WebSocket. Tests that make the SERVER
 * close a connection wait for this first: engine.io closes a polling transport whose client stopped polling
 * (the client saw the close packet and left) only after a 30 s timer, which would keep the test process alive.
 */
export async function upgraded(serverSocket: ServerSocket): Promise<void> {
  if (serverSocket.conn.transport.name !== "websocket") await once(serverSocket.conn, "upgrade");
}

/** Closes the server's Engine.IO connection of `serverSocket`: the client sees "transport close". */
export async function closeConnection(serverSocket: ServerSocket): Promise<void> {
  await upgraded(serverSocket);
  serverSocket.conn.close();
}

/** An emitter seen with plain string events, for the generic wait helpers (Manager's typed `off` is stricter). */
export interface LooseEmitter {
  on(event: string, fn: (...args: any[]) => void): unknown;
  once(event: string, fn: (...args: any[]) => void): unknown;
  off(event: string, fn: (...args: any[]) => void): unknown;
}

export function loose(emitter: ClientManager | ClientSocket): LooseEmitter {
  return emitter as unknown as LooseEmitter;
}
