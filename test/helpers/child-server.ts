// A real socket.io 4.8 server in a child process (test/fixtures/hardening-server.ts), so a test can SIGKILL it
// (no goodbye to any client) and start it again on the same port. What the server sees comes back as JSON
// lines on its stdout and is kept here across restarts.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";

const fixture = fileURLToPath(new URL("../fixtures/hardening-server.ts", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));
/** Failure bound for a child to start: tsx compiles the fixture first, on a shared 2-core machine. */
const START_BOUND_MS = 30_000;

export interface ChildServerOptions {
  pingInterval?: number;
  pingTimeout?: number;
  transports?: Array<"websocket" | "polling">;
}

/** One line the child reported, with the generation (0 for the first process, 1 after a restart...). */
export type ServerEvent =
  | { t: "listening"; port: number; pid: number; gen: number }
  | { t: "connection"; id: string; gen: number }
  | { t: "disconnect"; id: string; reason: string; gen: number }
  | { t: "record"; value: unknown; gen: number };

export interface ChildServer {
  readonly url: string;
  readonly port: number;
  /** Pid of the running child; undefined while it is down. */
  readonly pid: number | undefined;
  /** Every line reported by every generation, in order of arrival. */
  readonly events: readonly ServerEvent[];
  /** The values of every "record" event received, all generations, in order. */
  records(): unknown[];
  /** Resolves once an event matching `predicate` has been reported (past events count). */
  waitFor(predicate: (event: ServerEvent) => boolean, what: string, timeoutMs?: number): Promise<ServerEvent>;
  /** SIGKILLs the child by its pid and resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts a new child on the same port; resolves once it listens. */
  restart(): Promise<void>;
  /** Stops the child (SIGKILL) if it runs. Registered for teardown. */
  stop(): Promise<void>;
}

interface TeardownContext {
  after(fn: () => unknown): void;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

export async function startChildServer(t: TeardownContext, options: ChildServerOptions = {}): Promise<ChildServer> {
  const events: ServerEvent[] = [];
  const waiters = new Set<() => void>();
  let child: Child | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;
  let gen = -1;
  let stderr = "";

  const notify = (): void => {
    for (const wake of [...waiters]) wake();
  };

  const waitFor = (predicate: (event: ServerEvent) => boolean, what: string, timeoutMs = 15_000): Promise<ServerEvent> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = events.find(predicate);
        if (found === undefined) return false;
        waiters.delete(wake);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const wake = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for the server to report ${what} (stderr: ${stderr.slice(-500)})`));
      }, timeoutMs);
      waiters.add(wake);
      check();
    });

  const launch = async (): Promise<void> => {
    gen++;
    const myGen = gen;
    const spawned = spawn(process.execPath, ["--import", "tsx", fixture, JSON.stringify({ ...options, port })], {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
    });
    child = spawned;
    exited = new Promise<void>((resolve) => spawned.once("exit", () => resolve()));
    let pending = "";
    spawned.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        events.push({ ...(JSON.parse(line) as Omit<ServerEvent, "gen">), gen: myGen } as ServerEvent);
      }
      notify();
    });
    spawned.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    spawned.once("exit", () => {
      if (child === spawned) child = undefined;
    });
    const listening = (await waitFor((e) => e.t === "listening" && e.gen === myGen, "listening", START_BOUND_MS)) as Extract<
      ServerEvent,
      { t: "listening" }
    >;
    port = listening.port;
  };

  const kill = async (): Promise<void> => {
    const running = child;
    if (running === undefined || running.pid === undefined) return;
    process.kill(running.pid, "SIGKILL");
    await exited;
  };

  await launch();
  const server: ChildServer = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get pid() {
      return child?.pid;
    },
    events,
    records: () => events.flatMap((e) => (e.t === "record" ? [e.value] : [])),
    waitFor,
    kill,
    async restart() {
      await kill();
      await launch();
    },
    stop: kill,
  };
  t.after(() => server.stop());
  return server;
}
