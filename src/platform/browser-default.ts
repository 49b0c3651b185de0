// The default platform of browser builds (rollup.config.mjs resolves ./default to this file): the browser
// Platform without HTTP, and the `request` that polling imports on its own.
export {
  browserBasePlatform as defaultPlatform,
  request,
} from "./browser";
