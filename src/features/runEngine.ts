import type * as Engine from '../engine';

/** The run engine's exports (src/engine.ts). */
export type RunEngine = typeof Engine;

let loaded: RunEngine | undefined;

/**
 * The run engine, required on first use (a run, a panel, a server request): loading it costs tens of
 * milliseconds that activation and the first CodeLens do not pay. In the bundle, esbuild.mjs turns
 * this require into one of dist/engine.js; compiled by tsc (in-host tests) it is src/engine.ts's output.
 */
export function runEngine(): RunEngine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('../engine') as RunEngine;
  return loaded;
}

/** The run engine if something already needed it (its image worker may be running), else undefined. */
export function loadedRunEngine(): RunEngine | undefined {
  return loaded;
}
