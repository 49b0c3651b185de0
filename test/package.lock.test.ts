// `npm install` must leave the committed lockfile alone: it rewrites the lock's root entry whenever that entry
// no longer matches package.json (a dependency, peer dependency or engine added to one and not the other),
// and `npm ci` refuses a lock whose dependencies disagree with package.json. Rollup stays pinned exactly.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (file: string) => JSON.parse(readFileSync(join(root, file), "utf8")) as Record<string, any>;

test("package-lock.json's root entry matches package.json, so npm install does not rewrite it", () => {
  const pkg = read("package.json");
  const lock = read("package-lock.json");
  const entry = lock.packages?.[""] ?? {};
  assert.equal(lock.name, pkg.name);
  assert.equal(lock.version, pkg.version);
  for (const field of [
    "name",
    "version",
    "license",
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "engines",
    "bin",
  ]) {
    assert.deepEqual(entry[field], pkg[field], `package-lock.json's root "${field}" differs from package.json: run npm install and commit the lock`);
  }
});

test("rollup is pinned to exactly 4.67.4 in package.json and in the lock", () => {
  assert.equal(read("package.json").devDependencies.rollup, "4.67.4");
  assert.equal(read("package-lock.json").packages["node_modules/rollup"].version, "4.67.4");
});
