// Optimise many modules in one node process, as
// `wasm-opt -O3 --all-features --disable-custom-descriptors
// --skip-pass=duplicate-import-elimination IN -o OUT`
// does each (binaryen's JS API: read with every feature, optimize level 3,
// shrink level 0, no debug info). Starting binaryen costs seconds, so the
// optimise-and-wrap tests run every fixture through one process.
// Usage: node wasm-opt-batch.mjs BINARYEN_INDEX_JS IN OUT [IN OUT]...
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [index, ...pairs] = process.argv.slice(2);
if (!index || pairs.length % 2 !== 0) {
  console.error("usage: node wasm-opt-batch.mjs BINARYEN_INDEX_JS IN OUT [IN OUT]...");
  process.exit(2);
}
const binaryen = (await import(pathToFileURL(index).href)).default;
binaryen.setOptimizeLevel(3);
binaryen.setShrinkLevel(0);
binaryen.setDebugInfo(false);
binaryen.addPassToSkip("duplicate-import-elimination");
// binaryen.js 132 has no `Features.CustomDescriptors`; the feature is bit 21
// (the one `Features.All` holds that no named feature does besides bit 24).
const CUSTOM_DESCRIPTORS = 1 << 21;
const features = binaryen.Features.All & ~CUSTOM_DESCRIPTORS;
for (let i = 0; i < pairs.length; i += 2) {
  const m = binaryen.readBinary(readFileSync(pairs[i]), features);
  m.optimize();
  if (!m.validate()) {
    console.error(`${pairs[i]}: binaryen's output does not validate`);
    process.exit(1);
  }
  writeFileSync(pairs[i + 1], m.emitBinary());
  m.dispose();
}
