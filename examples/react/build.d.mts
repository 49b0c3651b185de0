// Types of build.mjs, for the TypeScript tests that build through it.

import type { Plugin } from "rollup";

/** The built files the app's bundle takes siolink from (relative to the repository root). */
export const packageFiles: readonly string[];

export interface BuildAppOptions {
  /** The app's entry: a .jsx or .ts file. */
  input: string;
  /** "development" keeps React's checks and StrictMode's double invocations; the default is "production". */
  mode?: "development" | "production";
  /** Rollup plugins that run before the build's own. */
  plugins?: Plugin[];
}

/** Bundles `input` into one browser script (an IIFE) and returns its code. */
export function buildApp(options: BuildAppOptions): Promise<string>;
