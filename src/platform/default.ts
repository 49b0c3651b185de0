// The platform used when none is given; browser builds alias this file to ./browser (which exports the same name).
export { nodePlatform as defaultPlatform } from "./node";
