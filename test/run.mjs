// `npm test`: type-check, build dist/, then run every test file with Node's test runner, printing one line per
// file, every failure in full and the totals. The full output of each step goes to .tmp/test/:
//   typecheck.log  build.log  report.txt (the spec reporter: every test, its logs and diagnostics)
//
//   npm test                               everything
//   npm test -- test/url.test.ts ...       type-check, build, then only these files
//   npm test -- --no-build test/url.test.ts   skip the type-check and the build (dist/ must exist)
//
// Exits non-zero when any step or any test fails.

import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = join(root, ".tmp", "test");
mkdirSync(outDir, { recursive: true });
const show = (path) => relative(process.cwd(), path) || path;

const args = process.argv.slice(2);
const noBuild = args.includes("--no-build");
let files = args.filter((a) => !a.startsWith("--"));
if (files.length === 0) {
  const list = (dir) =>
    readdirSync(join(root, dir))
      .filter((name) => name.endsWith(".test.ts"))
      .sort()
      .map((name) => `${dir}/${name}`);
  files = [...list("test"), ...list("test/browser")];
}

const bin = (name) => join(root, "node_modules", ".bin", name);

/** Runs a step with its output into `log`; prints one line, or the whole log when it fails. */
function step(label, command, commandArgs, log) {
  const started = Date.now();
  process.stdout.write(`${label} ... `);
  return new Promise((resolveStep) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const chunks = [];
    child.stdout.on("data", (c) => chunks.push(c));
    child.stderr.on("data", (c) => chunks.push(c));
    child.on("close", (code, signal) => {
      const output = Buffer.concat(chunks).toString("utf8");
      writeFileSync(log, output);
      const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
      if (code === 0) {
        console.log(`ok (${took}, output in ${show(log)})`);
        resolveStep(true);
      } else {
        console.log(`FAILED (${signal ?? `exit ${code}`}, ${took})\n${output.trimEnd()}`);
        resolveStep(false);
      }
    });
  });
}

if (!noBuild) {
  const typechecked = await step("type-check (tsc --noEmit)", bin("tsc"), ["--noEmit"], join(outDir, "typecheck.log"));
  if (!typechecked) process.exit(1);
  const built = await step("build (rollup -c)", bin("rollup"), ["-c"], join(outDir, "build.log"));
  if (!built) process.exit(1);
}

const report = join(outDir, "report.txt");
console.log(`tests: ${files.length} files, full output in ${show(report)}`);
const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=2",
    // A test that waits for something that never comes fails after 5 minutes instead of hanging the run.
    "--test-timeout=300000",
    "--test-reporter=./test/helpers/summary-reporter.mjs",
    "--test-reporter-destination=stdout",
    "--test-reporter=spec",
    `--test-reporter-destination=${report}`,
    ...files,
  ],
  { cwd: root, stdio: "inherit" },
);
child.on("close", (code, signal) => {
  console.log(`Details: ${show(report)}; one file alone: node --import tsx --test test/<file>.test.ts`);
  process.exit(code ?? (signal ? 1 : 0));
});
