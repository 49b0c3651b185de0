// What both demo servers do around their chat room: build the dist/ files they serve when missing, listen on
// 127.0.0.1 (PORT, or a default port and the next free ones), and close cleanly on Ctrl+C.

import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Builds the missing ones among `files` (paths relative to the root, under dist/): only the builds of
 * rollup.config.mjs that write them, through rollup's JS API, which is much faster than all of `npx rollup -c`.
 * Files older than src/ are served as they are, with a note.
 */
export async function ensureBuilt(files) {
  const missing = files.filter((file) => !existsSync(join(root, file)));
  const srcTime = newest(join(root, "src"));
  const stale = files.filter((file) => !missing.includes(file) && statSync(join(root, file)).mtimeMs < srcTime);
  if (stale.length > 0) console.log(`note: ${stale.join(", ")} older than src/; \`npm run build\` refreshes dist/`);
  if (missing.length === 0) return;

  const started = Date.now();
  console.log(`${missing.join(", ")} missing: building ${missing.length === 1 ? "it" : "them"} with rollup (first run only; a minute or two on 2 cores)…`);
  try {
    const { rollup } = await import("rollup");
    const { default: configs } = await import(pathToFileURL(join(root, "rollup.config.mjs")).href);
    const wanted = new Set(missing.map((file) => resolve(root, file)));
    for (const { output, ...input } of configs) {
      const outputs = [output].flat().filter((o) => wanted.has(resolve(root, o.file)));
      if (outputs.length === 0) continue;
      const bundle = await rollup(input);
      for (const o of outputs) await bundle.write({ ...o, file: resolve(root, o.file) });
      await bundle.close();
    }
  } catch (err) {
    console.error(`the build failed (${err?.message ?? err}); run \`npx rollup -c\` to see why`);
    process.exit(1);
  }
  const still = missing.filter((file) => !existsSync(join(root, file)));
  if (still.length > 0) {
    console.error(`rollup.config.mjs does not build ${still.join(", ")}`);
    process.exit(1);
  }
  console.log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * Listens on HOST:PORT from the environment (PORT=0: any free port), or on `defaultPort` and the ports after
 * it until one is free; prints `${label}: URL` once listening. Ctrl+C (or SIGTERM) closes `io` and `http`.
 */
export function listen(http, io, { label, defaultPort }) {
  const host = process.env.HOST ?? "127.0.0.1";
  const wanted = process.env.PORT;
  if (wanted !== undefined && !/^\d+$/.test(wanted)) {
    console.error(`PORT must be a number, got "${wanted}"`);
    process.exit(1);
  }

  const attempt = (port, tries) => {
    const onListening = () => {
      http.off("error", onError);
      console.log(`${label}: http://${host}:${http.address().port}/`);
    };
    const onError = (err) => {
      http.off("listening", onListening);
      if (err.code === "EADDRINUSE" && tries > 1) return attempt(port + 1, tries - 1);
      console.error(`cannot listen on ${host}:${port}: ${err.message}`);
      process.exit(1);
    };
    http.once("listening", onListening);
    http.once("error", onError);
    http.listen(port, host);
  };
  attempt(wanted === undefined ? defaultPort : Number(wanted), wanted === undefined ? 50 : 1);

  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      io.close(() => process.exit(0));
      http.closeAllConnections();
    });
  }
}
