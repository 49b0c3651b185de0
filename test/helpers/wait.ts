// Waiting without sleeping: resolve on an event or a condition, fail with a message after a generous bound.

interface Listenable {
  once(event: string, fn: (...args: any[]) => void): unknown;
  off?(event: string, fn: (...args: any[]) => void): unknown;
  removeListener?(event: string, fn: (...args: any[]) => void): unknown;
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
