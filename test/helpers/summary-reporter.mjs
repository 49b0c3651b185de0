// A compact reporter for Node's test runner (used by test/run.mjs): one line per test file, every failure in
// full (test name, file, error and stack), then the runner's own totals as `# pass N` / `# fail N` lines and
// one `N passed, N failed, N skipped` line. The full spec output goes to a file through a second reporter.
//
//   node --import tsx --test --test-reporter=./test/helpers/summary-reporter.mjs \
//     --test-reporter-destination=stdout test/url.test.ts

import { relative } from "node:path";
import { inspect } from "node:util";

const cwd = process.cwd();
const rel = (file) => (file ? relative(cwd, file) : "(no file)");
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** The runner's closing totals arrive as diagnostics without a file: "tests 29", "pass 29", "fail 0", ... */
const TOTALS = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/;

function formatError(error) {
  // The runner wraps what the test threw in ERR_TEST_FAILURE; its cause is the real error.
  const cause = error?.code === "ERR_TEST_FAILURE" && error.cause !== undefined ? error.cause : error;
  if (cause instanceof Error || (cause && typeof cause.stack === "string")) {
    const text = cause.stack ?? String(cause);
    const extra = Object.fromEntries(
      Object.entries(cause).filter(([k]) => !["stack", "message", "generatedMessage", "operator", "code"].includes(k)),
    );
    return Object.keys(extra).length > 0 && !("actual" in cause)
      ? `${text}\n${inspect(extra, { depth: 4, breakLength: 120 })}`
      : text;
  }
  return inspect(cause, { depth: 4, breakLength: 120 });
}

const indent = (text, by = "    ") => text.split("\n").map((line) => by + line).join("\n");

export default async function* summaryReporter(source) {
  const files = new Map(); // file → { pass, fail, skip }
  const totals = {};
  const mine = { pass: 0, fail: 0, skipped: 0 };
  const failures = [];
  const stderr = new Map(); // file → its last lines of stderr, shown if the file itself fails
  const failedFiles = new Map(); // file → its own failure event
  const fileOf = (file) => files.get(file) ?? files.set(file, { pass: 0, fail: 0, skip: 0 }).get(file);

  for await (const event of source) {
    const { type, data } = event;
    if (type === "test:stderr" && data.file) {
      const lines = stderr.get(data.file) ?? stderr.set(data.file, []).get(data.file);
      lines.push(data.message);
      if (lines.length > 60) lines.shift();
      continue;
    }
    const isFile = data.file && data.name === data.file && data.nesting === 0;
    if (isFile && (type === "test:complete" || type === "test:fail") && data.details?.error && !failedFiles.has(data.file)) {
      // The file itself failed (a crash at load, an exit code, an error after its tests): its stderr, which may
      // arrive after this event, is shown at the end.
      failedFiles.set(data.file, data);
    }
    if (type === "test:pass" || type === "test:fail") {
      if (data.details?.type === "suite" || isFile) {
        if (type === "test:fail" && !isFile && data.details?.error?.failureType !== "subtestsFailed") {
          // A suite that failed by itself (a hook): not counted as a test by the runner.
          failures.push(data);
          yield `✖ ${rel(data.file)} › ${data.name}\n${indent(formatError(data.details?.error))}\n`;
        }
        continue;
      }
      const counts = fileOf(data.file);
      if (type === "test:pass") {
        if (data.skip !== undefined || data.todo !== undefined) {
          counts.skip++;
          mine.skipped++;
        } else {
          counts.pass++;
          mine.pass++;
        }
      } else if (data.details?.error?.failureType === "subtestsFailed") {
        counts.fail++;
        mine.fail++;
      } else {
        counts.fail++;
        mine.fail++;
        failures.push(data);
        yield `✖ ${rel(data.file)} › ${data.name}\n${indent(formatError(data.details?.error))}\n`;
      }
    } else if (type === "test:complete" && data.file && data.name === data.file && data.nesting === 0) {
      // A file's own events can arrive before those of its tests: this line says only how the file ended.
      yield `${data.details?.error ? "✖" : "✔"} ${rel(data.file)} (${seconds(data.details?.duration_ms ?? 0)})\n`;
    } else if (type === "test:diagnostic" && !data.file && data.nesting === 0) {
      const match = TOTALS.exec(data.message);
      if (match) totals[match[1]] = Number(match[2]);
    }
  }

  // Prefer the runner's own totals (they are what the TAP and spec reporters print); count ourselves otherwise.
  const pass = totals.pass ?? mine.pass;
  const fail = totals.fail ?? mine.fail;
  const skipped = (totals.skipped ?? mine.skipped) + (totals.todo ?? 0);
  const cancelled = totals.cancelled ?? 0;
  yield "\n";
  for (const [file, data] of failedFiles) {
    if (fileOf(file).fail > 0) continue; // its failing tests say enough
    failures.push(data);
    const output = (stderr.get(file) ?? []).join("").trimEnd();
    yield `✖ ${rel(file)}: the test file failed (${formatError(data.details.error)})${output ? `; the end of its stderr:\n${indent(output)}` : ""}\n\n`;
  }
  if (failures.length > 0) {
    yield `Failed:\n${failures.map((f) => `  ${rel(f.file)}${f.name === f.file ? "" : ` › ${f.name}`}`).join("\n")}\n\n`;
  }
  yield `# tests ${totals.tests ?? pass + fail + skipped}\n# pass ${pass}\n# fail ${fail + cancelled}\n`;
  if (cancelled > 0) yield `# cancelled ${cancelled}\n`;
  yield `${pass} passed, ${fail + cancelled} failed, ${skipped} skipped${totals.duration_ms ? ` in ${seconds(totals.duration_ms)}` : ""}\n`;
}
