// Bundles a React app of this repository for the browser with rollup's JS API, in memory: `siolink` and
// `siolink/react` come from the sources (with the browser platform, as the published browser build does),
// React from node_modules. The example server and test/browser/react.test.ts both build through it.

import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import commonjs from "@rollup/plugin-commonjs";
import nodeResolve from "@rollup/plugin-node-resolve";
import typescript from "@rollup/plugin-typescript";
import { rollup } from "rollup";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const src = (file) => join(root, "src", file);

/** What the package's exports map resolves these to once built, here straight from the sources. */
const packageEntries = new Map([
  ["siolink", src("index.ts")],
  ["siolink/react", src("react/index.ts")],
]);

function siolinkSources() {
  return {
    name: "siolink-sources",
    resolveId: (source) => packageEntries.get(source) ?? null,
  };
}

/** src/platform/default.ts → src/platform/browser.ts, as rollup.config.mjs does for every browser build. */
function browserPlatform() {
  const nodeDefault = src("platform/default.ts");
  const browser = src("platform/browser.ts");
  return {
    name: "siolink-browser-platform",
    async resolveId(source, importer, options) {
      if (!importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved && resolve(resolved.id) === nodeDefault ? browser : resolved;
    },
  };
}

/** JSX in .jsx files, compiled by TypeScript's transpiler with the automatic runtime (react/jsx-runtime). */
function jsx() {
  return {
    name: "siolink-jsx",
    transform(code, id) {
      if (extname(id) !== ".jsx") return null;
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
    name: "siolink-node-env",
    transform(code) {
      if (!code.includes("process.env.NODE_ENV")) return null;
      return { code: code.replaceAll("process.env.NODE_ENV", value), map: null };
    },
  };
}

/** Type errors are `tsc --noEmit`'s job; the build only needs the JavaScript. */
function onwarn(warning, warn) {
  if (warning.plugin === "typescript") return;
  warn(warning);
}

/**
 * Builds `input` (a .jsx or .ts entry) into one script (an IIFE) and returns its code.
 * `mode` "development" keeps React's checks, StrictMode's double rendering and double effects included
 * (StrictMode does nothing in production builds); "production" is what an app ships.
 */
export async function buildApp({ input, mode = "production" }) {
  const bundle = await rollup({
    input: resolve(input),
    plugins: [
      siolinkSources(),
      browserPlatform(),
      jsx(),
      nodeEnv(mode),
      typescript({
        tsconfig: join(root, "tsconfig.json"),
        filterRoot: root,
        include: ["src/**/*.ts", "test/browser/react/**/*.ts"],
        compilerOptions: { declaration: false, declarationMap: false, sourceMap: false },
      }),
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
