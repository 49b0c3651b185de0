// rethrowLater: how every layer reports an error thrown by user code.

/**
 * Reports an error thrown by user code (an event listener) without unwinding our own state machine:
 * it surfaces as an uncaught exception on its own stack, as it would from an EventEmitter in an I/O callback.
 */
export function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Calls user code `fn` with `args` (on `self`); its exception is rethrown on its own stack, never into our state machine. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function call(fn: ((...args: any[]) => unknown) | undefined, args: unknown[], self?: unknown): void {
  try {
    fn?.apply(self, args);
  } catch (error) {
    rethrowLater(error);
  }
}
