// The polling → WebSocket upgrade of a session: probe a second transport with the same sid ("2probe" →
// "3probe"), pause polling, then hand the WebSocket to the session, which sends "5" and its held writes.
// Only entry points that link polling link this (see TransportKit in session.ts).

import { TransportError } from "../errors";
import type { TimerHandle, Timers } from "../internal/timers";
import type { Platform } from "../platform/platform";
import type { PollingTransport } from "../transports/polling";
import type { Transport } from "../transports/transport";
import type { CloseDetails, EnginePacket, TransportInfo } from "./types";
import { DEV } from "../internal/dev";

/**
 * What an upgrade needs of its session (the session's private side implements it). A session that closes
 * cancels its upgrade first, so an active upgrade always has an open (or closing) session.
 */
export interface UpgradeHost {
  emit(event: "upgrading", transport: TransportInfo): void;
  emit(event: "upgradeError", error: TransportError): void;
  /** Makes `websocket` the session's transport: "5" first, then the writes held during the switch. */
  switchTo(websocket: Transport): void;
  /** The upgrade is over without a switch: the session forgets it and sends what it held. */
  release(): void;
}

export interface UpgradeOptions {
  autoUnref: boolean;
  /** How long the WebSocket may take to answer the probe. */
  timeoutMs: number;
}

export class Upgrade {
  /** The probed WebSocket, the session's transport once the switch is done. */
  readonly transport: Transport;
  /** Between the probe's answer and the switch: the session holds writes so that none overtakes the switch. */
  switching = false;
  readonly #host: UpgradeHost;
  /** The session's transport, which the upgrade replaces. */
  readonly #polling: PollingTransport;
  readonly #timers: Timers;
  readonly #platform: Platform;
  readonly #options: UpgradeOptions;
  #timer: TimerHandle | undefined;
  #active = false;

  readonly #onOpen = (): void => {
    try {
      this.transport.send([{ type: "ping", data: "probe" }]);
    } catch (error) {
      this.#fail(DEV ? "could not send the probe" : "", error);
    }
  };

  readonly #onPacket = (packet: EnginePacket): void => {
    if (packet.type === "pong" && packet.data === "probe") this.#onProbed();
    else this.#fail(`unexpected "${packet.type}" packet in answer to the probe`, packet);
  };

  readonly #onError = (error: TransportError): void => this.#fail("transport error", error);
  readonly #onClose = (details: CloseDetails): void => this.#fail("transport closed", details);

  constructor(
    host: UpgradeHost,
    polling: Transport,
    websocket: Transport,
    timers: Timers,
    platform: Platform,
    options: UpgradeOptions,
  ) {
    this.#host = host;
    this.#polling = polling as PollingTransport;
    this.transport = websocket;
    this.#timers = timers;
    this.#platform = platform;
    this.#options = options;
  }

  start(): void {
    this.#active = true;
    const { transport } = this;
    transport.on("open", this.#onOpen);
    transport.on("packet", this.#onPacket);
    transport.on("error", this.#onError);
    transport.on("close", this.#onClose);
    // A WebSocket that never answers (a proxy holding the upgrade) must not block the session forever.
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#fail(`no answer within ${this.#options.timeoutMs} ms`);
    }, this.#options.timeoutMs);
    if (this.#options.autoUnref) this.#platform.unref(this.#timer);
    transport.open();
  }

  /** Abandons the upgrade without reporting anything (the session closed or no longer needs it). */
  cancel(): void {
    if (!this.#active) return;
    this.#stop();
    this.transport.close();
  }

  #onProbed(): void {
    this.#clearTimer();
    const host = this.#host;
    const polling = this.#polling;
    if (polling.state !== "open") {
      this.cancel();
      host.release();
      return;
    }
    this.switching = true;
    host.emit("upgrading", this.transport);
    // A listener may have closed the session (which cancels this) meanwhile.
    if (!this.#active) return;
    polling.pause(() => {
      if (!this.#active) return;
      this.#stop();
      polling.close();
      host.switchTo(this.transport);
    });
  }

  #fail(reason: string, cause?: unknown): void {
    if (!this.#active) return;
    const paused = this.switching;
    this.cancel();
    if (paused) this.#polling.resume();
    // `transport`: the transport that failed, as socket.io-client's upgradeError errors carry it.
    this.#host.emit("upgradeError", Object.assign(new TransportError(`probe error: ${reason}`, cause), { transport: this.transport.name }));
    this.#host.release();
  }

  #clearTimer(): void {
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The probe stops listening: the transport is handed over, closed, or left to the session. */
  #stop(): void {
    this.#active = false;
    this.switching = false;
    this.#clearTimer();
    const { transport } = this;
    transport.off("open", this.#onOpen);
    transport.off("packet", this.#onPacket);
    transport.off("error", this.#onError);
    transport.off("close", this.#onClose);
  }
}
