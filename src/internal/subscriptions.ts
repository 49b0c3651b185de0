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
