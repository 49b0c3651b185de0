// What both demo servers do around their chat room: build dist/ when a file they serve is missing, listen on
// 127.0.0.1 (PORT, or a default port and the next free ones), and close cleanly on Ctrl+C.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Runs `npx rollup -c` once if any of `files` (paths relative to the root, under dist/) is missing. */
export function ensureBuilt(files) {
  const missing = files.filter((file) => !existsSync(join(root, file)));
  if (missing.length === 0) return;
  console.log(`${missing.join(", ")} missing: building dist/ with rollup…`);
  const build = spawnSync("npx", ["rollup", "-c"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) {
    console.error("the build failed; run `npx rollup -c` to see why");
    process.exit(1);
  }
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
