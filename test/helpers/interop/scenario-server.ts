// The interop scenario protocol on a Node socket.io server of any 4.x version (python_server.py is the
// Python twin; its docstring lists the events), plus a launcher for older socket.io packages.

import { createRequire } from "node:module";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server, ServerOptions, Socket } from "socket.io";
import type { TeardownContext } from "./processes";

/** What every interop server offers the core scenarios. */
export interface InteropServer {
  readonly label: string;
  /** e.g. "http://127.0.0.1:40123" */
  readonly url: string;
  /** Drops the server and every connection at once, as a crash would. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after stop). */
  start(): Promise<void>;
}

export type InteropServerFactory = (t: TeardownContext) => Promise<InteropServer>;

export const SCENARIO_NAMESPACES = ["/", "/admin"] as const;

interface Relay {
  event: string;
  args?: unknown[];
}

function isRelay(value: unknown): value is Relay {
  return typeof value === "object" && value !== null && typeof (value as Relay).event === "string";
}

/** Installs the scenario protocol; uses only APIs that socket.io 4.0 already had. */
export function installScenario(io: Server): void {
  for (const name of SCENARIO_NAMESPACES) {
    const nsp = io.of(name);
    nsp.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      if (auth?.token === "bad") {
        next(Object.assign(new Error("not authorized"), { data: { code: 4001, reason: "bad token" } }));
      } else {
        next();
      }
    });
    nsp.on("connection", (socket: Socket) => {
      socket.on("whoami", (ack: (who: unknown) => void) => {
        ack({ nsp: name, auth: socket.handshake.auth ?? {}, transport: socket.conn.transport.name });
      });
      socket.on("echo", (...args: unknown[]) => {
        const ack = args.pop();
        if (typeof ack === "function") ack(...args);
      });
      socket.on("ask", (request: unknown, ack: (answer: unknown) => void) => {
        if (!isRelay(request)) return;
        socket.emit(request.event, ...(request.args ?? []), (answer: unknown) => ack(answer));
      });
      socket.on("push", (request: unknown) => {
        if (isRelay(request)) socket.emit(request.event, ...(request.args ?? []));
      });
      socket.on("kick", () => {
        socket.disconnect(true);
      });
    });
  }
}

/** The `Server` constructor of a socket.io package resolved by name (an npm alias such as "socket.io-4.0"). */
type ServerConstructor = new (http: HttpServer, options?: Partial<ServerOptions>) => Server;

const requireFromHere = createRequire(import.meta.url);

/** Loads a package the interop tests need, or explains which devDependency is missing. */
export function requirePackage<T>(name: string, devDependency: string): T {
  try {
    return requireFromHere(name) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") {
      throw new Error(`npm package "${name}" is not installed: add the devDependency ${devDependency}`);
    }
    throw error;
  }
}

/**
 * A socket.io server from an aliased package (e.g. "socket.io-4.0" → socket.io@4.0.2) on 127.0.0.1, running
 * the scenario protocol in this process. stop() closes it and cuts every connection; start() listens again on
 * the same port with a fresh server.
 */
export function socketIoServer(packageName: string, devDependency: string): InteropServerFactory {
  return async (t) => {
    const { Server: Ctor } = requirePackage<{ Server: ServerConstructor }>(packageName, devDependency);
    let port = 0;
    let running: { http: HttpServer; io: Server } | undefined;

    const start = async (): Promise<void> => {
      const http = createServer();
      const io = new Ctor(http);
      installScenario(io);
      await new Promise<void>((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, "127.0.0.1", () => resolve());
      });
      port = (http.address() as AddressInfo).port;
      running = { http, io };
    };
    const stop = async (): Promise<void> => {
      const current = running;
      running = undefined;
      if (current === undefined) return;
      const closed = new Promise<void>((resolve) => current.http.close(() => resolve()));
      current.io.close();
      current.http.closeAllConnections();
      await closed;
    };

    await start();
    t.after(stop);
    return {
      label: packageName,
      get url() {
        return `http://127.0.0.1:${port}`;
      },
      stop,
      start,
    };
  };
}
