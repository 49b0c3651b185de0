// Only the two script-tag bundles (for quick size measurements).
import configs from "/work/wt/size-core/rollup.config.mjs";
export default configs.filter((c) => Array.isArray(c.output) && c.output.some((o) => o.file?.endsWith(".min.js"))).map((c) => ({ ...c, output: c.output.filter((o) => o.file.endsWith(".min.js")) }));
