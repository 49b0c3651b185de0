// Relays on 127.0.0.1:0 in front of a server, for faults neither the server nor the client can stage: a TCP
// relay that cuts every connection, holds a link silent without closing it (half-open) or slows it down,
// and an HTTP relay for polling that answers chosen requests with a 500 or never answers them.

import { Agent, createServer as createHttpServer, request } from "node:http";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export interface FaultProxy {
  /** e.g. "http://127.0.0.1:40124": point the client here instead of at the server. */
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  readonly accepted: number;
  /** TCP connections open right now. */
  readonly open: number;
  /** Destroys every open connection, both sides (RST-like for the client: its socket errors or closes). */
  cut(): void;
  /**
   * Stops relaying in both directions on every connection, present and future, without closing anything:
   * bytes stay queued, a peer's close or reset is not passed on. To both ends the link is alive but silent.
   */
  blackhole(): void;
  /** Ends blackhole(): queued bytes flow, and closes held back meanwhile reach the other side. */
  resume(): void;
  /** Delays every chunk relayed from now on by `ms` in each direction (0: no delay). Order is kept. */
  latency(ms: number): void;
  /** Destroys every connection and stops listening. Safe to call twice. */
  close(): Promise<void>;
}

interface TeardownContext {
  after(fn: () => unknown): void;
}

/** One relayed direction: reads `from`, writes `to`, honouring the proxy's mode when each chunk arrives. */
class Pipe {
  readonly #from: Socket;
  readonly #to: Socket;
  readonly #delay: () => number;
  readonly #held: () => boolean;
  /** Chunks (and the end) waiting for their latency to pass, in order. */
  #inFlight = 0;
  #endPending = false;

  constructor(from: Socket, to: Socket, delay: () => number, held: () => boolean) {
    this.#from = from;
    this.#to = to;
    this.#delay = delay;
    this.#held = held;
    from.on("data", (chunk: Buffer) => this.#relay(chunk));
    from.on("end", () => {
      this.#endPending = true;
      this.maybeEnd();
    });
  }

  #relay(chunk: Buffer): void {
    const ms = this.#delay();
    if (ms <= 0 && this.#inFlight === 0) {
      this.#write(chunk);
      return;
    }
    // A chunk sent after a slower one must not overtake it: delay it at least until the previous one.
    this.#inFlight++;
    setTimeout(() => {
      this.#inFlight--;
      this.#write(chunk);
      this.maybeEnd();
    }, Math.max(ms, 0));
  }

  #write(chunk: Buffer): void {
    if (this.#to.destroyed) return;
    // Backpressure: stop reading until the other side has taken what it was given.
    if (!this.#to.write(chunk)) {
      this.#from.pause();
      this.#to.once("drain", () => {
        if (!this.#from.destroyed && !this.#held()) this.#from.resume();
      });
    }
  }

  /** Passes a half close on once everything before it was written, and not while the link is held. */
  maybeEnd(): void {
    if (this.#endPending && this.#inFlight === 0 && !this.#held() && !this.#to.destroyed) this.#to.end();
  }
}

/** A client connection and its upstream twin. */
interface Link {
  downstream: Socket;
  upstream: Socket;
  pipes: Pipe[];
  /** One side failed or closed while the link was held: the other side learns it on resume(). */
  gone: boolean;
  destroy(): void;
}

export async function startProxy(t: TeardownContext | undefined, targetPort: number, targetHost = "127.0.0.1"): Promise<FaultProxy> {
  const links = new Set<Link>();
  let accepted = 0;
  let holding = false;
  let delayMs = 0;

  const hold = (link: Link): void => {
    // Paused sockets relay nothing (the kernel queues the bytes); a FIN or reset from either peer is kept
    // from the other one by Pipe and onGone until release. Exactly a silent, half-open path.
    link.downstream.pause();
    link.upstream.pause();
  };
  const release = (link: Link): void => {
    link.downstream.resume();
    link.upstream.resume();
    for (const pipe of link.pipes) pipe.maybeEnd();
  };

  const server = createServer({ pauseOnConnect: true }, (downstream) => {
    accepted++;
    const upstream = connect({ port: targetPort, host: targetHost });
    upstream.pause();
    const link: Link = {
      downstream,
      upstream,
      pipes: [],
      gone: false,
      destroy() {
        links.delete(link);
        downstream.destroy();
        upstream.destroy();
      },
    };
    links.add(link);
    link.pipes.push(
      new Pipe(downstream, upstream, () => delayMs, () => holding),
      new Pipe(upstream, downstream, () => delayMs, () => holding),
    );
    // An error or a full close on one side ends the pair (a half close, "end", is relayed by Pipe), except
    // while held: then the other side must not notice anything until resume().
    const onGone = (): void => {
      if (holding) link.gone = true;
      else link.destroy();
    };
    downstream.on("error", onGone).on("close", onGone);
    upstream.on("error", onGone).on("close", onGone);
    if (holding) hold(link);
    else release(link);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return links.size;
    },
    cut() {
      for (const link of [...links]) link.destroy();
    },
    blackhole() {
      holding = true;
      for (const link of links) hold(link);
    },
    resume() {
      holding = false;
      for (const link of [...links]) {
        if (link.gone) link.destroy();
        else release(link);
      }
    },
    latency(ms) {
      delayMs = ms;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        holding = false;
        server.close(() => resolve());
        for (const link of [...links]) link.destroy();
      });
      return closed;
    },
  };
  t?.after(() => proxy.close());
  return proxy;
}

// ---- HTTP-level faults (polling) ------------------------------------------------------------------------

/** "500": answer with HTTP 500 without forwarding; "hang": accept the request and never answer it. */
export type HttpFault = "500" | "hang";

export interface HttpFaultProxy {
  /** e.g. "http://127.0.0.1:40125". */
  readonly url: string;
  /** Every request seen, as "METHOD /path?query", with " -> 500" or " -> hang" when a fault was applied. */
  readonly requests: readonly string[];
  /** The next request with this method that belongs to a session (has a `sid`) gets `fault` instead of the server. */
  failNext(method: "GET" | "POST", fault: HttpFault): void;
  /** Resolves once every armed fault has been applied. */
  applied(): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP relay for Engine.IO polling that can fail chosen requests. WebSocket upgrades are refused. */
export async function startHttpProxy(t: TeardownContext | undefined, targetPort: number): Promise<HttpFaultProxy> {
  const agent = new Agent({ keepAlive: false });
  const requests: string[] = [];
  const armed: Array<{ method: string; fault: HttpFault }> = [];
  const held = new Set<Socket>();
  const onApplied = new Set<() => void>();

  const server = createHttpServer((req, res) => {
    const line = `${req.method ?? "?"} ${req.url ?? ""}`;
    const index = (req.url ?? "").includes("sid=") ? armed.findIndex((a) => a.method === req.method) : -1;
    if (index !== -1) {
      const { fault } = armed.splice(index, 1)[0] as { fault: HttpFault };
      requests.push(`${line} -> ${fault}`);
      if (armed.length === 0) for (const wake of [...onApplied]) wake();
      req.resume();
      if (fault === "500") res.writeHead(500, { "Content-Type": "text/plain" }).end("staged failure");
      else held.add(req.socket);
      return;
    }
    requests.push(line);
    const upstream = request(
      { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.on("error", () => upstream.destroy());
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on("upgrade", (_req, socket: Socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const proxy: HttpFaultProxy = {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(method, fault) {
      armed.push({ method, fault });
    },
    applied() {
      if (armed.length === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const wake = (): void => {
          onApplied.delete(wake);
          resolve();
        };
        onApplied.add(wake);
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of held) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return closed;
    },
  };
  t?.after(() => proxy.close());
  return proxy;
}
