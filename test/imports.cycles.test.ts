// Layering is a test: no runtime import cycle anywhere in src/. Type-only imports (`import type`, or an
// import whose every name is marked `type`) vanish at compile time and are ignored; re-exports count.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const srcDir = fileURLToPath(new URL("../src", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

/** The relative modules `code` imports at runtime, resolved to files. */
export function runtimeImports(file: string, code: string): string[] {
  const out: string[] = [];
  // import/export ... from "x"; bare import "x"; with the clause kept to tell type-only ones apart.
  const pattern = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;
  for (const match of code.matchAll(pattern)) {
    const specifier = match[4] ?? match[5]!;
    if (match[2]) continue; // import type / export type
    const clause = match[3] ?? "";
    const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
    if (braces) {
      const names = braces[1]!.split(",").map((n) => n.trim()).filter(Boolean);
      if (names.length > 0 && names.every((n) => n.startsWith("type "))) continue;
    }
    if (!specifier.startsWith(".")) continue;
    const base = resolve(dirname(file), specifier);
    const target = [`${base}.ts`, join(base, "index.ts")].find((candidate) => existsSync(candidate));
    if (target) out.push(target);
  }
  return out;
}

/** A cycle in the graph, as a list of files, or undefined. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

test("the cycle finder sees a runtime cycle and ignores type-only imports", () => {
  const a = join(srcDir, "socket.ts");
  const b = join(srcDir, "manager.ts");
  assert.deepEqual(runtimeImports(a, 'import { Manager } from "./manager";'), [b]);
  assert.deepEqual(runtimeImports(a, 'import type { Manager } from "./manager";'), []);
  assert.deepEqual(runtimeImports(a, 'import { type Manager, type ManagerState } from "./manager";'), []);
  assert.deepEqual(runtimeImports(a, 'export { Manager } from "./manager";'), [b]);
  assert.deepEqual(findCycle(new Map([[a, [b]], [b, [a]]])), [a, b, a]);
  assert.equal(findCycle(new Map([[a, [b]], [b, []]])), undefined);
});

test("src/ has no runtime import cycle", () => {
  const files = sourceFiles(srcDir);
  assert.ok(files.length > 20, "src/ files found");
  const graph = new Map(files.map((file) => [file, runtimeImports(file, readFileSync(file, "utf8"))]));
  // The parser reads the real files: the Manager creates Sockets, so manager.ts reaches socket.ts at runtime
  // (through whichever of its own modules creates them).
  const reached = new Set([join(srcDir, "manager.ts")]);
  for (const file of reached) for (const next of graph.get(file) ?? []) reached.add(next);
  assert.ok(reached.has(join(srcDir, "socket.ts")), "manager.ts reaches socket.ts");
  const cycle = findCycle(graph);
  assert.equal(cycle, undefined, `runtime import cycle: ${cycle?.map((f) => relative(srcDir, f)).join(" -> ")}`);
});
