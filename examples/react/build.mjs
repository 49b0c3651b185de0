// Bundles a React app of this repository for the browser with rollup's JS API, in memory, the way an app's
// bundler does: `siolink` and `siolink/react` resolve through siolink's package.json "exports" with the
// "browser" condition (dist/browser/index.mjs and dist/react/index.mjs, built by `npx rollup -c`), React
// from node_modules. The example server and test/browser/react.test.ts both build through it.

import { existsSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import commonjs from "@rollup/plugin-commonjs";
import nodeResolve from "@rollup/plugin-node-resolve";
import { rollup } from "rollup";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The built files the app's bundle takes siolink from (relative to the repository root). */
export const packageFiles = ["dist/browser/index.mjs", "dist/react/index.mjs"];

/** JSX and TypeScript, compiled by TypeScript's transpiler (JSX with the automatic runtime, react/jsx-runtime). */
function transpile() {
  return {
    name: "example-transpile",
    transform(code, id) {
      const extension = extname(id);
      if (extension !== ".jsx" && extension !== ".ts") return null;
      const output = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { jsx: ts.JsxEmit.ReactJSX, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true },
      });
      return { code: output.outputText, map: output.sourceMapText };
    },
  };
}

/** React picks its development or production build from process.env.NODE_ENV, which browsers do not have. */
function nodeEnv(mode) {
  const value = JSON.stringify(mode);
  return {
    name: "example-node-env",
    transform(code) {
      if (!code.includes("process.env.NODE_ENV")) return null;
      return { code: code.replaceAll("process.env.NODE_ENV", value), map: null };
    },
  };
}

/** siolink/react starts with "use client" for server-component bundlers; a browser-only bundle drops it. */
function onwarn(warning, warn) {
  if (warning.code === "MODULE_LEVEL_DIRECTIVE" && warning.message.includes('"use client"')) return;
  warn(warning);
}

/**
 * Builds `input` (a .jsx or .ts entry) into one script (an IIFE) and returns its code.
 * `mode` "development" keeps React's checks, StrictMode's double rendering and double effects included
 * (StrictMode does nothing in production builds); "production" is what an app ships.
 * `plugins` run before the build's own (the StrictMode test uses one to point its imports at the package).
 */
export async function buildApp({ input, mode = "production", plugins = [] }) {
  const missing = packageFiles.filter((file) => !existsSync(join(root, file)));
  if (missing.length > 0) throw new Error(`${missing.join(", ")} missing: run \`npx rollup -c\` first`);
  const bundle = await rollup({
    input: resolve(input),
    plugins: [
      ...plugins,
      transpile(),
      nodeEnv(mode),
      // `browser: true` adds the "browser" export condition: siolink's browser build, not its Node one.
      nodeResolve({ browser: true, extensions: [".mjs", ".js", ".jsx", ".json", ".ts"] }),
      commonjs(),
    ],
    onwarn,
  });
  try {
    const { output } = await bundle.generate({ format: "iife", sourcemap: false });
    return output[0].code;
  } finally {
    await bundle.close();
  }
}
