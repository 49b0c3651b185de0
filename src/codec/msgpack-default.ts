// The default parser of the msgpack script-tag bundle (rollup.config.mjs resolves ./default to this file):
// the same exports as ./default.ts, from the msgpack codec.
export { msgpackParser as defaultParser, MsgpackDecoder as DefaultDecoder } from "./msgpack";
