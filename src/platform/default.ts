// The platform used when none is given, the HTTP `request` polling uses when that platform has none, and the
// binary conversions of src/transports/wire.ts;
// browser builds resolve this file to ./browser-default (which exports the same names).
export {
  base64Decode,
  base64Encode,
  nodePlatform as defaultPlatform,
  pickConnectOptions,
  request,
  toBinary,
} from "./node";
