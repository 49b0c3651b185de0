// siolink/shared: io() whose connection is shared by every tab of the origin. The connection lives in a
// SharedWorker (or, where there is none, in one leader tab); each tab's socket relays to it.
//
// @example
// import { io } from "siolink/shared";
// const socket = io("https://example.com/chat", { auth: { token } });
// socket.on("message", (text) => show(text));

import { protocol } from "../codec/index";
import { invalidArg } from "../errors";
import type { IoOptions } from "../registry";
import type { DefaultEventsMap, EventsMap } from "../types";
import { Hub } from "./hub";
import { canLead, solo, viaLeader, viaWorker } from "./links";
import { spawnWorker } from "./spawn";
import { SharedManager, SharedSocket } from "./tab";

/** io()'s options, plus where the worker script is. */
export interface SharedIoOptions extends IoOptions {
  /**
   * The URL of siolink's worker script (same origin as the page). Default: `shared-worker.js` beside the
   * module (bundlers emit it), or `siolink.shared-worker.js` beside the script tag's `siolink.shared.min.js`.
   */
  workerUrl?: string | URL;
}

const hubs = new Map<string, Hub>();

/** One hub per worker URL and tab: started on the first io() call. */
function hubFor(workerUrl: string | URL | undefined): Hub {
  const key = String(workerUrl ?? "");
  let hub = hubs.get(key);
  if (hub) return hub;
  hub = new Hub();
  hubs.set(key, hub);
  const started = hub;
  const fallback = (): void => (canLead() ? viaLeader(started) : solo(started));
  let worker: SharedWorker | undefined;
  try {
    worker = typeof SharedWorker === "function" ? spawnWorker(workerUrl) : undefined;
  } catch {
    worker = undefined;
  }
  if (worker) viaWorker(hub, worker, fallback);
  else fallback();
  return hub;
}

export interface SharedIo {
  <ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
    opts?: SharedIoOptions,
  ): SharedSocket<ListenEvents, EmitEvents>;
  <ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>(
    uri?: string,
    opts?: SharedIoOptions,
  ): SharedSocket<ListenEvents, EmitEvents>;
  readonly Socket: typeof SharedSocket;
  readonly Manager: typeof SharedManager;
  readonly protocol: typeof protocol;
  readonly io: SharedIo;
  readonly connect: SharedIo;
}

function sharedIo(uri?: string | SharedIoOptions, opts?: SharedIoOptions): SharedSocket {
  if (typeof uri === "object" && uri !== null) {
    opts = uri;
    uri = undefined;
  }
  const { workerUrl, ackTimeout, retries, autoConnect, ...rest } = { ...opts };
  if (retries) throw invalidArg("siolink/shared: the `retries` option is not supported on a shared connection");
  const options = rest as Record<string, unknown>;
  if (typeof options.auth === "function") {
    // Called once, here: the host cannot call back into the tab when it reconnects.
    let data: unknown;
    (options.auth as (cb: (data: unknown) => void) => void)((value) => (data = value));
    if (data === undefined) throw invalidArg("siolink/shared: an `auth` function must call back synchronously");
    options.auth = data;
  }
  try {
    structuredClone(options);
  } catch (error) {
    throw invalidArg("siolink/shared: options must be plain data (structured-cloneable): no parser, agent or functions", error);
  }
  const url = new URL(uri ?? "/", globalThis.location?.href);
  const socketOpts = autoConnect === false ? { ...options, autoConnect } : options;
  return new SharedSocket(hubFor(workerUrl), url.href, url.pathname || "/", socketOpts, ackTimeout);
}

/** io() of siolink/shared; also `connect` and the default export. */
export const io: SharedIo = /* @__PURE__ */ Object.assign(sharedIo, {
  Socket: SharedSocket,
  Manager: SharedManager,
  protocol,
}) as unknown as SharedIo;
(io as { io: SharedIo }).io = io;
(io as { connect: SharedIo }).connect = io;

export { io as connect, io as default, SharedSocket, SharedManager };
export type { HostStats } from "./protocol";
