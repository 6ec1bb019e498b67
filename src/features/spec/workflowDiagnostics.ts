import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ObjectInfo } from '../../core/comfy/objectInfo';
import type { Spec, SpecDiagnostic } from '../../core/spec/types';
import { runEngine } from '../runEngine';

/** Whether mapping `spec` onto its graph can fail: it has its own workflow, or mapped node inputs
 * that may clash with its fields. A plain built-in template spec cannot, and costs no engine load. */
function needsGraphCheck(spec: Spec): boolean {
  const nodeAxis = (axes: { name: string }[] | undefined) => !!axes?.some((a) => a.name.includes('.'));
  return (
    !!spec.workflow ||
    Object.keys(spec.inputs).length > 0 ||
    nodeAxis(spec.sweep) ||
    nodeAxis(spec.pair) ||
    (spec.variants?.length ?? 0) > 0
  );
}

/**
 * The problems of mapping each spec of a file onto the graphs it would send (its `workflow:` file
 * opened as a run would: missing, not a graph, no sampler, a clash), before anything is sent. Specs
 * with parse errors are left to those.
 */
export async function workflowDiagnostics(
  specFile: string | undefined,
  specs: readonly Spec[],
  serverInfo: () => Promise<ObjectInfo | undefined>,
): Promise<SpecDiagnostic[]> {
  const todo = specs.filter((s) => s.errorCount === 0 && needsGraphCheck(s));
  if (!todo.length) {
    return [];
  }
  const engine = runEngine();
  // A UI workflow converts against the server's /object_info when it answers, else the recorded one.
  const info = engine.objectInfoProvider(serverInfo);
  const out: SpecDiagnostic[] = [];
  for (const spec of todo) {
    if (spec.workflow && !specFile) {
      continue; // An untitled document has no folder to find its workflow in.
    }
    const file =
      spec.workflow && specFile
        ? await engine.openWorkflow(
            path.resolve(path.dirname(specFile), spec.workflow),
            (f) => fs.readFile(f, 'utf8'),
            async (text) => (await engine.loadWorkflow(text, spec.workflow!, info)).graph,
          )
        : undefined;
    out.push(...engine.graphProblems(spec, file).diagnostics);
  }
  return out;
}
