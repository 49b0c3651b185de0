// Builds dist/: the Node package (ESM + CJS), the bundler build for browsers, the script-tag bundles (global io,
// plain and minified; one of them with the msgpack parser as its default) and the type declarations, for "siolink" and for the WebSocket-only "siolink/websocket".
// Browser builds swap the Node platform for the browser one.

import { rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import commonjs from "@rollup/plugin-commonjs";
import nodeResolve from "@rollup/plugin-node-resolve";
import terser from "@rollup/plugin-terser";
import typescript from "@rollup/plugin-typescript";
import ts from "typescript";

const root = dirname(fileURLToPath(import.meta.url));
const src = (file) => join(root, "src", file);
const pkg = ts.readConfigFile(join(root, "package.json"), ts.sys.readFile).config;

const banner = `/*! ${pkg.name} v${pkg.version} | ${pkg.license} */`;
const dependencies = Object.keys(pkg.dependencies);
const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** True for a package name or one of its subpaths ("ws", "ws/lib/x"). */
const isPackage = (id, names) => names.some((name) => id === name || id.startsWith(`${name}/`));

/** TypeScript → JS for every build; type errors are `tsc --noEmit`'s job, so they only warn here. */
const compile = () =>
  typescript({
    tsconfig: join(root, "tsconfig.json"),
    filterRoot: root,
    include: ["src/**/*.ts"],
    // inlineSources: rollup needs the TypeScript in the chain; sourcesOnDisk() drops src/'s copies afterwards.
    compilerOptions: { declaration: false, declarationMap: false, sourceMap: true, inlineSources: true },
  });

/** Browser builds: resolve src/platform/default.ts to src/platform/browser-default.ts (the same exports). */
function browserPlatform() {
  const nodeDefault = src("platform/default.ts");
  const browser = src("platform/browser-default.ts");
  return {
    name: "siolink-browser-platform",
    async resolveId(source, importer, options) {
      if (!importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved && resolve(resolved.id) === nodeDefault ? browser : resolved;
    },
  };
}

/** The msgpack script-tag bundle: resolve src/codec/default.ts to src/codec/msgpack-default.ts (the same exports). */
function msgpackCodec() {
  const jsonDefault = src("codec/default.ts");
  const msgpack = src("codec/msgpack-default.ts");
  return {
    name: "siolink-msgpack-codec",
    async resolveId(source, importer, options) {
      if (!importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved && resolve(resolved.id) === jsonDefault ? msgpack : resolved;
    },
  };
}

/** A Node-only import reaching a browser build is a bug in the layering, not something to shim: stop the build. */
function forbidNodeImports() {
  return {
    name: "siolink-forbid-node-imports",
    resolveId(source, importer) {
      if (source === "ws" || nodeBuiltins.has(source)) {
        const from = importer ? relative(root, importer) : "the entry";
        this.error(`"${source}" is imported by ${from} in a browser build: Node-only code belongs in src/platform/node.ts`);
      }
      return null;
    },
  };
}

/**
 * The CommonJS entry: `require("siolink")` returns the io function itself with every export attached, as
 * `require("socket.io-client")` does, so `const io = require("siolink")` and `require("siolink").Manager`
 * both work. A virtual module keeps this wrapper out of src/. `entry`: the source file of the package entry.
 */
function cjsEntry(entry = "index.ts") {
  const id = `\0siolink-cjs-entry:${entry}`;
  return {
    name: "siolink-cjs-entry",
    resolveId: (source) => (source === id ? id : null),
    load(loaded) {
      if (loaded !== id) return null;
      return [
        `import * as api from ${JSON.stringify(src(entry))};`,
        "const io = api.default;",
        "for (const key of Object.keys(api)) {",
        "  const own = Object.getOwnPropertyDescriptor(io, key);",
        "  if (!own || own.writable) io[key] = api[key];",
        "}",
        "export default io;",
      ].join("\n");
    },
  };
}

/** The script-tag build of siolink/shared: the worker is found next to the <script>, not through import.meta.url. */
function sharedScriptSpawn() {
  const moduleSpawn = src("shared/spawn.ts");
  const scriptSpawn = src("shared/spawn-script.ts");
  return {
    name: "siolink-shared-script-spawn",
    async resolveId(source, importer, options) {
      if (!importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved && resolve(resolved.id) === moduleSpawn ? scriptSpawn : resolved;
    },
  };
}

/** The script-tag entry of siolink/shared: only the default export (io). */
function sharedGlobalEntry() {
  const id = "\0siolink-shared-global";
  return {
    name: "siolink-shared-global",
    resolveId: (source) => (source === id ? id : null),
    load: (loaded) => (loaded === id ? `export { default } from ${JSON.stringify(src("shared/index.ts"))};` : null),
  };
}

/** The script-tag entry of siolink/websocket: only the default export (io), like src/browser-global.ts. */
function websocketGlobalEntry() {
  const id = "\0siolink-websocket-global";
  return {
    name: "siolink-websocket-global",
    resolveId: (source) => (source === id ? id : null),
    load: (loaded) => (loaded === id ? `export { default } from ${JSON.stringify(src("websocket.ts"))};` : null),
  };
}

/**
 * Emits dist/types from src/index.ts (and src/websocket.ts, src/react/index.ts, src/server/index.ts) with the TypeScript API, twice: `.d.ts` for `import` and `.d.cts` for
 * `require` (the package is "type": "module", so a lone .d.ts would read as ESM to CommonJS users under
 * node16 resolution). Relative specifiers get explicit extensions because Node-style resolution of
 * declaration files does not guess them.
 */
function declarations() {
  const outDir = join(root, "dist", "types");
  let emitted = false;
  return {
    name: "siolink-declarations",
    buildStart() {
      if (emitted) return;
      emitted = true;
      const parsed = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => this.error(formatDiagnostics([diagnostic])),
      });
      const options = {
        ...parsed.options,
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        declarationMap: false,
        sourceMap: false,
        rootDir: join(root, "src"),
        declarationDir: outDir,
      };
      const program = ts.createProgram([src("index.ts"), src("websocket.ts"), src("react/index.ts"), src("server/index.ts"), src("shared/index.ts")], options);
      rmSync(outDir, { recursive: true, force: true });
      for (const flavour of [{ ext: ".js", file: ".d.ts" }, { ext: ".cjs", file: ".d.cts" }]) {
        const result = program.emit(
          undefined,
          (fileName, text) => ts.sys.writeFile(fileName.replace(/\.d\.ts$/, flavour.file), text),
          undefined,
          true,
          { afterDeclarations: [addExtensions(flavour.ext)] },
        );
        if (result.diagnostics.length > 0) this.error(formatDiagnostics(result.diagnostics));
      }
    },
  };
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });
}

/** Declaration transformer: "./errors" → "./errors.js", "./codec" → "./codec/index.js" (or .cjs). */
function addExtensions(ext) {
  return (context) => (sourceFile) => {
    const from = dirname(sourceFile.fileName);
    const rewrite = (specifier) => {
      if (!specifier.startsWith("./") && !specifier.startsWith("../")) return specifier;
      const target = resolve(from, specifier);
      if (ts.sys.fileExists(`${target}.ts`)) return `${specifier}${ext}`;
      if (ts.sys.fileExists(join(target, "index.ts"))) return `${specifier}/index${ext}`;
      return specifier;
    };
    const { factory } = context;
    const visit = (node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
        const specifier = factory.createStringLiteral(rewrite(node.moduleSpecifier.text));
        return ts.isImportDeclaration(node)
          ? factory.updateImportDeclaration(node, node.modifiers, node.importClause, specifier, node.attributes)
          : factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, specifier, node.attributes);
      }
      if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        const argument = factory.createLiteralTypeNode(factory.createStringLiteral(rewrite(node.argument.literal.text)));
        return factory.updateImportTypeNode(node, argument, node.attributes, node.qualifier, node.typeArguments, node.isTypeOf);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(sourceFile, visit);
  };
}

/** The typescript plugin checks the whole tsconfig program; diagnostics outside src/ (tests) are tsc's concern. */
function onwarn(warning, warn) {
  const file = warning.loc?.file;
  if (warning.plugin === "typescript" && file && !resolve(file).startsWith(join(root, "src") + sep)) return;
  warn(warning);
}

/**
 * The production browser builds' minifier. SIOLINK_PROD defined: src/internal/dev.ts reads false, and every
 * `DEV ? message : values` keeps only the values (errors keep their code; docs/errors.md has the text).
 */
const minify = terser({
  ecma: 2020,
  compress: {
    ecma: 2020,
    passes: 3,
    global_defs: { SIOLINK_PROD: true },
    // No getter of ours has a side effect that an unused read would need (`socket.volatile` is always
    // followed by the emit that reads its flag), and no function expression of ours is used with `new`.
    pure_getters: true,
    unsafe_arrows: true,
    // Function declarations moved to the top of their scope: gzip finds more repeats in them there (-16 B).
    hoist_funs: true,
  },
  // Private (#) members are renamed by the regular mangle pass; public names stay intact.
  mangle: true,
  format: { comments: /^!/ },
});

/**
 * The "production" export condition's ESM builds (Vite and webpack pick it in production mode): the bundler
 * build without message text, minified as a module so the app's bundler receives it already folded.
 */
const minifyModule = terser({
  ecma: 2020,
  module: true,
  compress: { ecma: 2020, passes: 3, pure_getters: true, unsafe_arrows: true, global_defs: { SIOLINK_PROD: true } },
  mangle: true,
  format: { comments: /^!/ },
});

/** siolink/react imports siolink by package name, so an app's `siolink` and `siolink/react` share one copy. */
function siolinkAsPeer() {
  const entry = src("index.ts");
  return {
    name: "siolink-react-peer",
    resolveId(source, importer) {
      if (!importer || !source.startsWith(".")) return null;
      const target = resolve(dirname(importer), source);
      return target === entry || `${target}.ts` === entry ? { id: "siolink", external: true } : null;
    },
  };
}

/**
 * The package ships src/ beside dist/, so a map points at ../src/*.ts (which devtools and `--enable-source-maps`
 * read) instead of carrying its own copy of the TypeScript: ten maps each holding all of src/ were two thirds of
 * the package. Sources outside src/ (engine.io-parser, the emitter in the script-tag bundles) keep their text.
 */
function sourcesOnDisk() {
  return {
    name: "siolink-sources-on-disk",
    generateBundle(options, bundle) {
      const outDir = options.dir ?? dirname(resolve(root, options.file));
      for (const asset of Object.values(bundle)) {
        if (asset.type !== "asset" || !asset.fileName.endsWith(".map")) continue;
        const map = JSON.parse(String(asset.source));
        if (!map.sourcesContent) continue;
        map.sourcesContent = map.sources.map((source, i) =>
          resolve(outDir, dirname(asset.fileName), source).startsWith(join(root, "src") + sep) ? null : map.sourcesContent[i],
        );
        asset.source = JSON.stringify(map);
      }
    },
  };
}

const builds = [
  // Node: ESM and CommonJS, dependencies left to npm.
  {
    input: src("index.ts"),
    external: (id) => isPackage(id, dependencies) || nodeBuiltins.has(id),
    plugins: [compile(), declarations()],
    onwarn,
    output: [{ file: "dist/node/index.mjs", format: "es", sourcemap: true, banner }],
  },
  {
    input: "\0siolink-cjs-entry:index.ts",
    external: (id) => isPackage(id, dependencies) || nodeBuiltins.has(id),
    plugins: [cjsEntry(), compile()],
    onwarn,
    output: [{ file: "dist/node/index.cjs", format: "cjs", exports: "default", sourcemap: true, banner }],
  },
  // Browsers through a bundler: the app's bundler resolves (and dedupes) engine.io-parser and the emitter.
  {
    input: src("index.ts"),
    external: (id) => isPackage(id, ["engine.io-parser", "@socket.io/component-emitter"]),
    plugins: [forbidNodeImports(), browserPlatform(), compile(), nodeResolve({ browser: true })],
    onwarn,
    output: [
      { file: "dist/browser/index.mjs", format: "es", sourcemap: true, banner },
      { file: "dist/browser/index.prod.mjs", format: "es", sourcemap: true, banner, plugins: [minifyModule] },
    ],
  },
  // <script> tag: everything bundled, global `io`.
  {
    input: src("browser-global.ts"),
    plugins: [
      forbidNodeImports(),
      browserPlatform(),
      compile(),
      nodeResolve({ browser: true }),
      commonjs(),
    ],
    onwarn,
    output: [
      { file: "dist/siolink.js", format: "iife", name: "io", exports: "default", sourcemap: true, banner },
      { file: "dist/siolink.min.js", format: "iife", name: "io", exports: "default", sourcemap: true, banner, plugins: [minify] },
    ],
  },
  // <script> tag with the msgpack parser built in (socket.io-msgpack-parser's format), global `io`.
  {
    input: src("browser-global.ts"),
    plugins: [forbidNodeImports(), msgpackCodec(), browserPlatform(), compile(), nodeResolve({ browser: true }), commonjs()],
    onwarn,
    output: [
      { file: "dist/siolink.msgpack.js", format: "iife", name: "io", exports: "default", sourcemap: true, banner },
      { file: "dist/siolink.msgpack.min.js", format: "iife", name: "io", exports: "default", sourcemap: true, banner, plugins: [minify] },
    ],
  },
  // siolink/websocket: the same four builds from src/websocket.ts, which links no polling and no upgrade.
  {
    input: src("websocket.ts"),
    external: (id) => isPackage(id, dependencies) || nodeBuiltins.has(id),
    plugins: [compile()],
    onwarn,
    output: [{ file: "dist/node/websocket.mjs", format: "es", sourcemap: true, banner }],
  },
  {
    input: "\0siolink-cjs-entry:websocket.ts",
    external: (id) => isPackage(id, dependencies) || nodeBuiltins.has(id),
    plugins: [cjsEntry("websocket.ts"), compile()],
    onwarn,
    output: [{ file: "dist/node/websocket.cjs", format: "cjs", exports: "default", sourcemap: true, banner }],
  },
  {
    input: src("websocket.ts"),
    external: (id) => isPackage(id, ["engine.io-parser", "@socket.io/component-emitter"]),
    plugins: [forbidNodeImports(), browserPlatform(), compile(), nodeResolve({ browser: true })],
    onwarn,
    output: [
      { file: "dist/browser/websocket.mjs", format: "es", sourcemap: true, banner },
      { file: "dist/browser/websocket.prod.mjs", format: "es", sourcemap: true, banner, plugins: [minifyModule] },
    ],
  },
  {
    input: "\0siolink-websocket-global",
    plugins: [websocketGlobalEntry(), forbidNodeImports(), browserPlatform(), compile(), nodeResolve({ browser: true }), commonjs()],
    onwarn,
    output: [
      { file: "dist/siolink.websocket.js", format: "iife", name: "io", exports: "default", sourcemap: true, banner },
      { file: "dist/siolink.websocket.min.js", format: "iife", name: "io", exports: "default", sourcemap: true, banner, plugins: [minify] },
    ],
  },
  // siolink/shared: the tab side for bundlers (engine.io-parser and the emitter left to the app's bundler),
  // the SharedWorker script (self-contained: the full client), and the script-tag build with its worker file.
  {
    input: src("shared/index.ts"),
    external: (id) => isPackage(id, ["engine.io-parser", "@socket.io/component-emitter"]),
    plugins: [forbidNodeImports(), browserPlatform(), compile(), nodeResolve({ browser: true })],
    onwarn,
    output: [{ file: "dist/browser/shared.mjs", format: "es", sourcemap: true, banner }],
  },
  {
    input: src("shared/worker.ts"),
    plugins: [forbidNodeImports(), browserPlatform(), compile(), nodeResolve({ browser: true }), commonjs()],
    onwarn,
    output: [
      // The bundler's copy keeps its messages: the app's bundler minifies it like the rest of the app.
      { file: "dist/browser/shared-worker.js", format: "iife", sourcemap: true, banner },
      { file: "dist/siolink.shared-worker.js", format: "iife", sourcemap: true, banner, plugins: [minify] },
    ],
  },
  {
    input: "\0siolink-shared-global",
    plugins: [sharedGlobalEntry(), sharedScriptSpawn(), forbidNodeImports(), browserPlatform(), compile(), nodeResolve({ browser: true }), commonjs()],
    onwarn,
    output: [
      { file: "dist/siolink.shared.js", format: "iife", name: "io", exports: "default", sourcemap: true, banner },
      { file: "dist/siolink.shared.min.js", format: "iife", name: "io", exports: "default", sourcemap: true, banner, plugins: [minify] },
    ],
  },
  // siolink/server: the exactlyOnce() middleware for socket.io servers (Node ESM + CJS); socket.io is used for
  // its types only, so nothing of it is bundled or imported.
  {
    input: src("server/index.ts"),
    external: (id) => id === "socket.io" || nodeBuiltins.has(id),
    plugins: [compile()],
    onwarn,
    output: [
      { file: "dist/server/index.mjs", format: "es", sourcemap: true, banner },
      { file: "dist/server/index.cjs", format: "cjs", exports: "named", sourcemap: true, banner },
    ],
  },
  // siolink/react: React is the app's, siolink is imported by package name.
  {
    input: src("react/index.ts"),
    external: (id) => id === "react" || id.startsWith("react/"),
    plugins: [siolinkAsPeer(), compile()],
    onwarn,
    output: [
      { file: "dist/react/index.mjs", format: "es", sourcemap: true, banner: `${banner}\n"use client";` },
      { file: "dist/react/index.cjs", format: "cjs", exports: "named", sourcemap: true, banner: `${banner}\n"use client";` },
    ],
  },
];

// SIOLINK_BUILDS=min,websocket.min builds only the builds with an output file whose name contains one of those
// words (for a quick size check while working on src/); unset, everything is built.
const only = process.env.SIOLINK_BUILDS?.split(",").filter(Boolean);
const picked = only ? builds.filter((b) => b.output.some((o) => only.some((word) => o.file.includes(word)))) : builds;

export default picked.map((build) => ({ ...build, plugins: [...build.plugins, sourcesOnDisk()] }));
