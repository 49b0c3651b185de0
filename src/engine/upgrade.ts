// The WebSocket probe of a polling session: open a second transport with the same sid, send "2probe",
// expect "3probe". The session does the switch itself (pause polling, send "5", flush); this only probes.

import { TransportError } from "../errors";
import type { TimerHandle, Timers } from "../internal/timers";
import type { Platform } from "../platform/platform";
import type { Transport } from "../transports/transport";
import type { CloseDetails, EnginePacket } from "./types";

export interface ProbeHooks {
  /** The server answered the probe: the session may pause polling and switch. */
  onProbed(): void;
  /** The probe failed, before or after onProbed, as long as the transport was not taken over. */
  onFailed(error: TransportError): void;
}

export class UpgradeProbe {
  readonly transport: Transport;
  readonly #timers: Timers;
  readonly #platform: Platform;
  readonly #autoUnref: boolean;
  readonly #timeoutMs: number;
  readonly #hooks: ProbeHooks;
  #timer: TimerHandle | undefined;
  #active = false;

  readonly #onOpen = (): void => {
    try {
      this.transport.send([{ type: "ping", data: "probe" }]);
    } catch (error) {
      this.#fail("could not send the probe", error);
    }
  };

  readonly #onPacket = (packet: EnginePacket): void => {
    if (packet.type === "pong" && packet.data === "probe") {
      this.#clearTimer();
      this.#hooks.onProbed();
      return;
    }
    this.#fail(`unexpected "${packet.type}" packet in answer to the probe`, packet);
  };

  readonly #onError = (error: TransportError): void => this.#fail("transport error", error);
  readonly #onClose = (details: CloseDetails): void => this.#fail("transport closed", details);

  constructor(
    transport: Transport,
    timers: Timers,
    platform: Platform,
    options: { autoUnref: boolean; timeoutMs: number },
    hooks: ProbeHooks,
  ) {
    this.transport = transport;
    this.#timers = timers;
    this.#platform = platform;
    this.#autoUnref = options.autoUnref;
    this.#timeoutMs = options.timeoutMs;
    this.#hooks = hooks;
  }

  start(): void {
    this.#active = true;
    this.transport.on("open", this.#onOpen);
    this.transport.on("packet", this.#onPacket);
    this.transport.on("error", this.#onError);
    this.transport.on("close", this.#onClose);
    // A WebSocket that never answers (a proxy holding the upgrade) must not block the session forever.
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#fail(`no answer within ${this.#timeoutMs} ms`);
    }, this.#timeoutMs);
    if (this.#autoUnref) this.#platform.unref(this.#timer);
    this.transport.open();
  }

  /** Hands the probed transport to the session: the probe stops listening to it. */
  takeOver(): Transport {
    this.#stop();
    return this.transport;
  }

  /** Abandons the probe without reporting anything (the session closed or no longer needs it). */
  cancel(): void {
    if (!this.#active) return;
    this.#stop();
    this.transport.close();
  }

  #fail(reason: string, cause?: unknown): void {
    if (!this.#active) return;
    this.cancel();
    this.#hooks.onFailed(new TransportError(`probe error: ${reason}`, cause));
  }

  #clearTimer(): void {
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #stop(): void {
    this.#active = false;
    this.#clearTimer();
    this.transport.off("open", this.#onOpen);
    this.transport.off("packet", this.#onPacket);
    this.transport.off("error", this.#onError);
    this.transport.off("close", this.#onClose);
  }
}
