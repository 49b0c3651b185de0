// A small HTTP CONNECT proxy on 127.0.0.1 and an http.Agent that tunnels through it (no proxy-agent package
// is installed, and the tests need to see exactly what crosses the proxy). The proxy can map an address that
// nothing listens on to the real server, so a client that ignores its agent cannot connect at all.

import { Agent, createServer, type AgentOptions, type ClientRequestArgs } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import type { TeardownContext } from "./processes";

export interface ConnectProxy {
  host: string;
  port: number;
  /** Every CONNECT authority asked for ("127.0.0.1:40123"), in order. */
  readonly tunnels: readonly string[];
  /** The Proxy-Authorization header of every CONNECT (undefined when absent), in the order of `tunnels`. */
  readonly authorizations: ReadonlyArray<string | undefined>;
}

export interface ConnectProxyOptions {
  /** When set, a CONNECT without exactly this Proxy-Authorization header is refused with 407. */
  requireAuthorization?: string;
  /** Refuse this many CONNECTs first (503), whatever they ask for; later ones are served normally. */
  refuseFirst?: number;
}

/**
 * Starts the proxy. `routes` maps a requested authority to the one to dial; authorities not in it are refused
 * with 403, so the proxy reaches only what the test means it to.
 */
export async function startConnectProxy(
  t: TeardownContext,
  routes: Map<string, string>,
  options: ConnectProxyOptions = {},
): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const open = new Set<Socket>();
  const server = createServer((_req, res) => res.writeHead(405).end("CONNECT only"));
  server.on("connect", (req, client: Socket, head: Buffer) => {
    const requested = req.url ?? "";
    tunnels.push(requested);
    authorizations.push(req.headers["proxy-authorization"]);
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => client.destroy());
    if (tunnels.length <= (options.refuseFirst ?? 0)) {
      client.end("HTTP/1.1 503 Service Unavailable\r\n\r\n");
      return;
    }
    const wanted = options.requireAuthorization;
    if (wanted !== undefined && req.headers["proxy-authorization"] !== wanted) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const target = routes.get(requested);
    if (target === undefined) {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const colon = target.lastIndexOf(":");
    const upstream = connect(Number(target.slice(colon + 1)), target.slice(0, colon));
    open.add(upstream);
    upstream.on("close", () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => {
      if (!client.destroyed) client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
    });
    client.on("close", () => upstream.destroy());
    upstream.once("connect", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { host: "127.0.0.1", port: (server.address() as AddressInfo).port, tunnels, authorizations };
}

type TunnelCallback = (error: Error | null, stream: Duplex) => void;

/** Reads the proxy's answer to CONNECT; hands back the socket (and any bytes past the header) on a 200. */
function awaitTunnel(socket: Socket, authority: string, done: (error: Error | null, rest?: Buffer) => void): void {
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    const end = received.indexOf("\r\n\r\n");
    if (end < 0) return;
    cleanup();
    const status = received.subarray(0, received.indexOf("\r\n")).toString("latin1");
    if (!/^HTTP\/1\.[01] 200 /.test(status)) {
      socket.destroy();
      done(new Error(`proxy refused CONNECT ${authority}: ${status}`));
      return;
    }
    done(null, received.subarray(end + 4));
  };
  const onError = (error: Error): void => {
    cleanup();
    done(error);
  };
  const onClose = (): void => {
    cleanup();
    done(new Error(`proxy closed the connection before answering CONNECT ${authority}`));
  };
  const cleanup = (): void => {
    socket.off("data", onData);
    socket.off("error", onError);
    socket.off("close", onClose);
  };
  socket.on("data", onData);
  socket.on("error", onError);
  socket.on("close", onClose);
}

/**
 * An http.Agent that opens every connection as a CONNECT tunnel through `proxy`, and speaks TLS inside the
 * tunnel when `secure` (then it must be used for https:/wss: URLs and gets the request's TLS options).
 */
export class TunnelAgent extends Agent {
  readonly #proxy: { host: string; port: number };
  readonly #secure: boolean;

  constructor(proxy: { host: string; port: number }, { secure = false, ...options }: AgentOptions & { secure?: boolean } = {}) {
    super(options);
    this.#proxy = proxy;
    this.#secure = secure;
    // node:https checks the agent's protocol against the URL's.
    (this as unknown as { protocol: string }).protocol = secure ? "https:" : "http:";
  }

  override createConnection(args: ClientRequestArgs, callback?: TunnelCallback): undefined {
    // The request's options, TLS fields included (node:https and ws pass them through to the agent).
    const options = args as ClientRequestArgs & ConnectionOptions;
    const fail = (error: Error): void => callback?.(error, undefined as unknown as Duplex);
    const host = options.hostname ?? options.host ?? "localhost";
    const authority = `${host}:${options.port ?? (this.#secure ? 443 : 80)}`;
    const socket = connect(this.#proxy.port, this.#proxy.host);
    socket.once("connect", () => {
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    });
    awaitTunnel(socket, authority, (error, rest) => {
      if (error) return fail(error);
      if (rest && rest.length > 0) socket.unshift(rest);
      if (!this.#secure) return callback?.(null, socket);
      const tls = tlsConnect({
        socket,
        // SNI must be a host name, never an IP address.
        ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.cert !== undefined ? { cert: options.cert } : {}),
        ...(options.key !== undefined ? { key: options.key } : {}),
        ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
      });
      tls.once("secureConnect", () => {
        tls.off("error", onTlsError);
        callback?.(null, tls);
      });
      const onTlsError = (tlsError: Error): void => fail(tlsError);
      tls.once("error", onTlsError);
    });
    return undefined;
  }
}
