// Timers looked up on globalThis at call time, so users' fake timers (sinon, node:test mock.timers)
// drive our reconnect and heartbeat timers; `useNativeTimers` opts out by using the functions captured
// when this module was first evaluated.

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

const nativeSetTimeout = globalThis.setTimeout;
const nativeClearTimeout = globalThis.clearTimeout;

export const globalTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => {
    if (handle === undefined) return;
    // Fake timers may have been installed (or removed) after this timer was set: clear it with both, as
    // each implementation ignores handles it does not own.
    globalThis.clearTimeout(handle);
    if (globalThis.clearTimeout !== nativeClearTimeout) nativeClearTimeout.call(globalThis, handle);
  },
};

export const nativeTimers: Timers = {
  setTimeout: (fn, ms) => nativeSetTimeout.call(globalThis, fn, ms),
  clearTimeout: (handle) => {
    if (handle !== undefined) nativeClearTimeout.call(globalThis, handle);
  },
};

export function pickTimers(useNativeTimers: boolean | undefined): Timers {
  return useNativeTimers ? nativeTimers : globalTimers;
}
