// The platform used when none is given, and the HTTP `request` polling uses when that platform has none;
// browser builds resolve this file to ./browser-default (which exports the same names).
export {
  nodePlatform as defaultPlatform,
  request,
} from "./node";
