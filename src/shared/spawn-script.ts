// Starts the SharedWorker (script-tag build): siolink.shared-worker.js next to the <script> that loaded
// siolink.shared.min.js, unless the `workerUrl` option says otherwise.

import { WORKER_NAME } from "./links";

// document.currentScript is only set while the script runs for the first time: read it now.
const scriptSrc = typeof document === "undefined" ? undefined : (document.currentScript as HTMLScriptElement | null)?.src;

export function spawnWorker(workerUrl: string | URL | undefined): SharedWorker {
  const url = workerUrl ?? new URL("siolink.shared-worker.js", scriptSrc || location.href);
  return new SharedWorker(url, { name: WORKER_NAME });
}
