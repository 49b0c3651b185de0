// Child processes the interop tests run (python-socketio, redis-server, nginx, socket.io cluster nodes): spawned
// with their output kept for failure messages, awaited until they say they are ready, killed by pid at the end.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, connect } from "node:net";
import type { AddressInfo } from "node:net";

export interface TeardownContext {
  after(fn: () => unknown): void;
}

export const INSTALL_HINT = "run `bash test/helpers/interop/install.sh` (as root) to install the interop packages";

/** Fails with the install hint when a program the interop tests need is missing. */
export function requireProgram(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${INSTALL_HINT}`);
  return path;
}

export interface ChildOptions {
  /** Short name for messages, e.g. "redis". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A line (stdout or stderr) that means the process is ready; omit and use `waitForPort` instead. */
  ready?: RegExp;
  /** Failure bound for `ready`. Default 20 s (tsx and python startups are slow on a loaded 2-core machine). */
  timeoutMs?: number;
}

export interface Child {
  readonly pid: number;
  readonly name: string;
  /** Every complete output line so far, stdout and stderr interleaved. */
  readonly lines: readonly string[];
  /** The ready line's match (undefined without `ready`). */
  readonly readyMatch: RegExpMatchArray | undefined;
  /** Resolves with the first line matching `pattern` (earlier lines included). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` to the pid and resolves once the process has exited. Safe to call twice. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: boolean;
}

/** The last output lines, to explain why a process did not become ready. */
function tail(lines: readonly string[]): string {
  return lines.slice(-15).join("\n");
}

export async function startChild(t: TeardownContext, options: ChildOptions): Promise<Child> {
  const proc: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const watchers = new Set<{ pattern: RegExp; resolve(m: RegExpMatchArray): void }>();
  let exitInfo: string | undefined;
  const exitWaiters = new Set<() => void>();
  let readyMatch: RegExpMatchArray | undefined;

  const onLine = (line: string): void => {
    lines.push(line);
    if (process.env.SIOLINK_INTEROP_DEBUG) process.stderr.write(`# [${options.name} ${proc.pid}] ${line}\n`);
    for (const watcher of watchers) {
      const match = line.match(watcher.pattern);
      if (match) {
        watchers.delete(watcher);
        watcher.resolve(match);
      }
    }
  };
  for (const stream of [proc.stdout, proc.stderr]) {
    let pending = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, newline).replace(/\r$/, ""));
        pending = pending.slice(newline + 1);
      }
    });
  }
  const spawned = new Promise<void>((resolve, reject) => {
    proc.once("spawn", () => resolve());
    proc.once("error", (error) => reject(new Error(`${options.name}: cannot start ${options.command}: ${error.message}`)));
  });
  proc.once("exit", (code, signal) => {
    exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
    for (const waiter of exitWaiters) waiter();
    exitWaiters.clear();
  });

  const waitForLine = (pattern: RegExp, timeoutMs = options.timeoutMs ?? 20_000): Promise<RegExpMatchArray> => {
    for (const line of lines) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      const finish = (error: Error | undefined, match?: RegExpMatchArray): void => {
        clearTimeout(timer);
        watchers.delete(watcher);
        exitWaiters.delete(onExit);
        if (error) reject(error);
        else resolve(match as RegExpMatchArray);
      };
      const watcher = { pattern, resolve: (match: RegExpMatchArray) => finish(undefined, match) };
      const onExit = (): void =>
        finish(new Error(`${options.name} ${exitInfo} before printing ${pattern}:\n${tail(lines)}`));
      const timer = setTimeout(
        () => finish(new Error(`${options.name} printed no ${pattern} within ${timeoutMs} ms:\n${tail(lines)}`)),
        timeoutMs,
      );
      watchers.add(watcher);
      if (exitInfo !== undefined) onExit();
      else exitWaiters.add(onExit);
    });
  };

  let killed: Promise<void> | undefined;
  const kill = (signal: NodeJS.Signals = "SIGKILL"): Promise<void> => {
    killed ??= new Promise<void>((resolve) => {
      if (exitInfo !== undefined || proc.pid === undefined) return resolve();
      exitWaiters.add(resolve);
      try {
        process.kill(proc.pid, signal);
      } catch {
        // ESRCH: it exited between the check and the signal; its exit event resolves us.
      }
    });
    return killed;
  };
  t.after(() => kill());

  await spawned;
  const child: Child = {
    pid: proc.pid as number,
    name: options.name,
    lines,
    get readyMatch() {
      return readyMatch;
    },
    waitForLine,
    kill,
    get exited() {
      return exitInfo !== undefined;
    },
  };
  if (options.ready) readyMatch = await waitForLine(options.ready);
  return child;
}

/**
 * A TCP port that was free a moment ago, for programs that cannot report the port they bound (redis, nginx).
 * The tiny window before the program binds it is the usual price; a clash shows as a clear startup error.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once 127.0.0.1:port accepts a TCP connection; fails when `child` exits first or after the bound. */
export async function waitForPort(port: number, child: Child, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (child.exited) throw new Error(`${child.name} exited before listening on ${port}:\n${tail(child.lines)}`);
    if (Date.now() > deadline) {
      throw new Error(`${child.name} did not listen on ${port} within ${timeoutMs} ms:\n${tail(child.lines)}`);
    }
    // A retry interval, not a wait for something to settle: there is no event for "someone else listens now".
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
