// Timers looked up on globalThis at call time, so users' fake timers (sinon, node:test mock.timers)
// drive our reconnect and heartbeat timers; `useNativeTimers` opts out by using the functions captured
// when this module was first evaluated.

export type TimerHandle = ReturnType<typeof setTimeout>;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

const nativeSetTimeout = setTimeout;
const nativeClearTimeout = clearTimeout;

// Bare `setTimeout` reads the global binding at call time, as `globalThis.setTimeout` would. The native functions
// need no `this`: the timer functions of browsers, Node, Deno and Bun accept an undefined receiver.
export const globalTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => {
    // No handle (a timer handle is an object or a positive number): fake timers may throw on undefined.
    if (!handle) return;
    // Fake timers may have been installed (or removed) after this timer was set: clear it with both, as
    // each implementation ignores handles it does not own.
    clearTimeout(handle);
    if (clearTimeout !== nativeClearTimeout) nativeClearTimeout(handle);
  },
};

export const nativeTimers: Timers = {
  setTimeout: (fn, ms) => nativeSetTimeout(fn, ms),
  clearTimeout: (handle) => nativeClearTimeout(handle),
};

export function pickTimers(useNativeTimers: boolean | undefined): Timers {
  return useNativeTimers ? nativeTimers : globalTimers;
}
