// Waiting without sleeping: resolve on an event or a condition, fail with a message after a generous bound.

// Loose on purpose: typed emitters (EngineSession, Manager, Socket) narrow their event names.
interface Listenable {
  once(event: any, fn: any): unknown;
  off?(event: any, fn?: any): unknown;
  removeListener?(event: any, fn?: any): unknown;
}

export function once<T extends unknown[] = unknown[]>(
  emitter: Listenable,
  event: string,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onEvent = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    const timer = setTimeout(() => {
      (emitter.off ?? emitter.removeListener)?.call(emitter, event, onEvent);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    emitter.once(event, onEvent);
  });
}

export async function waitFor(
  predicate: () => boolean,
  { timeoutMs = 10_000, what = "condition" }: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
