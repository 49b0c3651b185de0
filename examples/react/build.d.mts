// Types of build.mjs, for the TypeScript tests that build through it.

export interface BuildAppOptions {
  /** The app's entry: a .jsx or .ts file. */
  input: string;
  /** "development" keeps React's checks and StrictMode's double invocations; the default is "production". */
  mode?: "development" | "production";
}

/** Bundles `input` into one browser script (an IIFE) and returns its code. */
export function buildApp(options: BuildAppOptions): Promise<string>;
