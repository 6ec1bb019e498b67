// The spec language: what lenses, diagnostics, completions and hovers need (yaml, the generated schema
// validator, src/core/spec, the key documentation from the JSON schema). esbuild bundles it as
// dist/language.js, apart from dist/extension.js, and `language()` requires it on first use, so
// activation evaluates none of it: the first CodeLens, diagnostic, completion or hover loads it.
export { parseSpecs, parseSpecsSliced } from './core/spec/parse';
export { specFromPng } from './core/quality/specFromImage';
export { SpecCompletionProvider } from './features/spec/specCompletions';
export { SpecHoverProvider } from './features/spec/specHovers';
export { cellSpecValue, cellSpecYaml } from './core/runs/cellSpec';
export { quickFixes } from './core/spec/quickFixes';
export { serverNameProblems } from './core/runs/serverNames';
