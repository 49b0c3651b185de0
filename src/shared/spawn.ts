// Starts the SharedWorker (module builds). The `new SharedWorker(new URL("./shared-worker.js", import.meta.url))`
// form is the one bundlers (webpack 5, Vite, Parcel) recognise: they emit the worker file with the app.
// The script-tag build replaces this module with spawn-script.ts.

import { WORKER_NAME } from "./links";

export function spawnWorker(workerUrl: string | URL | undefined): SharedWorker {
  return workerUrl === undefined
    ? new SharedWorker(new URL("./shared-worker.js", import.meta.url), { name: WORKER_NAME })
    : new SharedWorker(workerUrl, { name: WORKER_NAME });
}
