/** The .qwenprompt spec: parsing with positions, diagnostics, and what editors need for completions. */
export { findSpecAt, parseSpecs, parseSpecsSliced, type SliceOptions } from './parse';
export { SPEC_KEYS, type SpecKeyInfo } from './specKeys';
export { KNOWN_SAMPLERS, KNOWN_SCHEDULERS } from './knownNames';
export type * from './types';
