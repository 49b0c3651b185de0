// The parser the Manager uses when none is given: the JSON codec of Socket.IO v5. The msgpack script-tag bundle
// (dist/siolink.msgpack.js) resolves this file to ./msgpack-default.ts instead (see rollup.config.mjs), so that
// bundle links the msgpack codec alone.
export { parser as defaultParser } from "./index";
export { Decoder as DefaultDecoder } from "./decoder";
