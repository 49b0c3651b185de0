// The upgrade of a polling session: probe a transport the server offers with the same sid ("2probe" →
// "3probe"), pause polling once it answered, then send "5" on the new transport and hand it to the session.
// Only entry points that link polling link this (see fullKit in kit.ts): the session reaches it through its kit.

import { TransportError } from "../errors";
import { DEV } from "../internal/dev";
import type { PollingTransport } from "../transports/polling";
import type { Transport, TransportOptions } from "../transports/transport";
import type { EngineEvents, EngineOptions, EngineSessionApi, TransportName } from "./types";

/** Abandons the upgrade in progress; a switch already under way is finished unless `force`. */
export type UpgradeCancel = (force?: boolean) => void;

/**
 * What the session lets its upgrade do: create a transport by name (with the session's options and sid), or
 * end the upgrade, switched to a transport (sink moved to the session) or failed (undefined: try the next).
 */
export type UpgradeControl = (control: TransportName | Transport | undefined) => Transport | undefined;

/** What a polling session upgrades to, in order of preference, when the server offers it. */
const UPGRADES: readonly TransportName[] = ["webtransport", "websocket"];

type Emit = <E extends "upgrading" | "upgrade" | "upgradeError">(event: E, ...args: Parameters<EngineEvents[E]>) => void;

/**
 * `fixed`: the session's resolved values (timers, platform, fallbackTimeout); `opts`: the user's options.
 * Starts upgrading `polling` to the best of `candidates` the server `offered`; undefined when there is none, the
 * session is not open on polling, or `upgrade: false`. A failed probe is taken out of `candidates`.
 */
export function upgrade(
  session: object,
  fixed: Pick<TransportOptions, "timers" | "platform"> & { fallbackTimeout: number },
  opts: EngineOptions,
  polling: Transport,
  candidates: TransportName[],
  offered: readonly TransportName[],
  control: UpgradeControl,
): UpgradeCancel | undefined {
  const name =
    opts.upgrade !== false &&
    polling.name === "polling" &&
    (session as EngineSessionApi).readyState === "open" &&
    UPGRADES.find((n) => candidates.includes(n) && offered.includes(n));
  if (!name) return undefined;
  // The session's own emit, which its Manager hears as well (component-emitter's, protected in its typings).
  const emit = ((session as { _emitReserved: Emit })._emitReserved as Emit).bind(session) as Emit;
  const transport = control(name)!;
  transport.sid = polling.sid;
  const { timers, fallbackTimeout: timeoutMs } = fixed;
  /** Between the probe's answer and the switch: polling is pausing, the session holds its writes. */
  let switching = false;
  let active = true;

  const cancel: UpgradeCancel = (force) => {
    if (!active || (switching && !force)) return;
    active = false;
    timers.clearTimeout(timer);
    transport.sink = null;
    transport.close();
  };

  const fail = (reason: string, cause?: unknown): void => {
    if (!active) return;
    const paused = switching;
    cancel(true);
    if (paused) (polling as PollingTransport).resume();
    candidates.splice(candidates.indexOf(name), 1);
    // `transport`: the transport that failed, as socket.io-client's upgradeError errors carry it.
    emit("upgradeError", Object.assign(new TransportError(`probe error: ${reason}`, cause), { transport: name }));
    control(undefined);
  };

  const lost = (cause: unknown): void => fail(DEV ? (cause instanceof Error ? "transport error" : "transport closed") : "", cause);

  // A transport that never answers (a proxy holding the upgrade) must not block the session forever.
  const timer = timers.setTimeout(() => fail(DEV ? `no answer within ${timeoutMs} ms` : ""), timeoutMs);
  if (opts.autoUnref) fixed.platform.unref(timer);

  transport.sink = {
    // Set on the socket at open (the WebSocket's binaryType), and kept after the switch.
    binaryType: (session as EngineSessionApi).binaryType,
    onTransportPacket(packet) {
      if (packet.type !== "pong" || packet.data !== "probe") {
        fail(DEV ? `unexpected "${packet.type}" packet in answer to the probe` : "", packet);
        return;
      }
      timers.clearTimeout(timer);
      switching = true;
      emit("upgrading", transport);
      // A listener may have closed the session, which cancels this.
      if (!active) return;
      (polling as PollingTransport).pause(() => {
        if (!active) return;
        active = false;
        polling.close();
        // "5" goes first on the new transport: the server switches on it; the session's held writes follow at its drain.
        transport.send([{ type: "upgrade" }]);
        control(transport);
        emit("upgrade", transport);
      });
    },
    onTransportOpen: () => transport.send([{ type: "ping", data: "probe" }]),
    onTransportError: lost,
    onTransportClose: lost,
  };
  transport.open();
  return cancel;
}
