// Whether this build carries the text of error messages. True everywhere (Node, the non-minified bundles,
// development builds) except the production browser builds, `siolink.min.js`, `siolink.websocket.min.js`,
// `siolink.msgpack.min.js` and the "production" export condition, whose minifier defines SIOLINK_PROD (see
// rollup.config.mjs) and then drops every `DEV ? text : values` branch's text. Errors keep their `code` and values there; the full text
// is in the development build and in docs/errors.md.

declare const SIOLINK_PROD: unknown;

export const DEV: boolean = typeof SIOLINK_PROD === "undefined";
