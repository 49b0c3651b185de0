// Builds the Node ESM entry of siolink from the working tree into a private file for the bench, with the same
// TypeScript compile step as rollup.config.mjs's dist/node/index.mjs, but without touching dist/ (which other
// builds and tests may be reading at the same time).
//
// Usage: node bench/build-node.mjs [OUT_FILE] [SRC_DIR]    (defaults: .tmp/bench/siolink.mjs, src)
//   SRC_DIR lets an experiment build a patched copy of src/ without touching the shared tree.
// Then:  node bench/run.mjs --siolink-entry .tmp/bench/siolink.mjs ...

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import typescript from "@rollup/plugin-typescript";
import { rollup } from "rollup";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, ".tmp", "bench", "siolink.mjs"));
const srcDir = resolve(process.argv[3] ?? join(root, "src"));
// A copy of src/ sits next to its own copy of tsconfig.json (the plugin compiles only what a tsconfig includes).
const beside = join(dirname(srcDir), "tsconfig.json");
const tsconfig = existsSync(beside) ? beside : join(root, "tsconfig.json");
const deps = Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies);
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

mkdirSync(dirname(out), { recursive: true });
const bundle = await rollup({
  input: join(srcDir, "index.ts"),
  external: (id) => builtins.has(id) || deps.some((d) => id === d || id.startsWith(`${d}/`)),
  plugins: [
    typescript({
      tsconfig,
      include: [join(srcDir, "**", "*.ts")],
      filterRoot: false,
      compilerOptions: { declaration: false, declarationMap: false, sourceMap: true },
    }),
  ],
  // Type errors are tsc's job; tests and other helpers' files in progress must not stop a bench build.
  onwarn: () => {},
});
await bundle.write({ file: out, format: "es", sourcemap: true });
await bundle.close();
process.stdout.write(`built ${out}\n`);
