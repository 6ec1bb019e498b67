import type * as Language from '../language';

/** The language id of .qwenprompt files (package.json contributes it). */
export const LANGUAGE_ID = 'qwenprompt';

/** The spec language's exports (src/language.ts). */
export type LanguageModule = typeof Language;

let loaded: LanguageModule | undefined;

/**
 * The spec language (yaml, the schema validator, spec checks, completions and hovers), required on first
 * use: evaluating it costs tens of milliseconds that activation does not pay. In the bundle, esbuild.mjs
 * turns this require into one of dist/language.js; compiled by tsc (in-host tests) it is src/language.ts's
 * output.
 */
export function language(): LanguageModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('../language') as LanguageModule;
  return loaded;
}
