// The run engine: what a run, the results panel and the server status need (the ComfyUI client with
// ws, the runner, convergence scoring with pngjs, the panel and its judging). esbuild bundles it as
// dist/engine.js, apart from dist/extension.js, and `runEngine()` requires it on first use, so
// activation evaluates only what the spec lenses and diagnostics need.
export { ComfyClient } from './core/comfy/client';
export { loadUserGraph } from './core/comfy/workflow/userGraph';
export { readRunRecord } from './core/runs/record';
export { redoRegion, type RedoRequest } from './core/quality/redoRegion';
export { describeLoaded, loadWorkflow, objectInfoProvider } from './core/comfy/workflow/loadWorkflow';
export { graphProblems, openWorkflow } from './core/runs/graphProblems';
export { findResumable, openRun } from './core/runs/resume';
export { serverFacts } from './core/runs/serverFacts';
export { runSession } from './core/runs/session';
export { stopThumbnailWorker } from './core/runs/thumbnail';
export { panelOptions, RunPanel } from './features/results/panel/runPanel';
export { RunViewState } from './features/results/panel/runState';
