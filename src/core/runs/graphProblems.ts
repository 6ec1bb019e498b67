import { buildGraph, isGraphMappingError } from '../comfy/graph';
import type { ApiGraph } from '../comfy/types';
import { fieldRange } from '../spec/fieldRange';
import type { Range, Spec, SpecDiagnostic } from '../spec/types';
import { planCells, specOfCell } from './plan';

/** The spec's `workflow:` file as the caller opened it: its graph, or why there is none. */
export type WorkflowFile = { graph: ApiGraph } | { error: string; code: 'workflow-unreadable' | 'workflow-not-a-graph' };

/**
 * Reads and loads a workflow file (`load` parses an API graph or converts a UI workflow, throwing
 * a GraphMappingError for a file that is neither), turning each failure into the reason it gives.
 */
export async function openWorkflow(
  file: string,
  read: (file: string) => Promise<string>,
  load: (text: string) => ApiGraph | Promise<ApiGraph>,
): Promise<WorkflowFile> {
  let text: string;
  try {
    text = await read(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    return { error: `The workflow file ${file} cannot be read (${why}): check the \`workflow:\` path.`, code: 'workflow-unreadable' };
  }
  try {
    return { graph: await load(text) };
  } catch (e) {
    if (!isGraphMappingError(e)) {
      throw e;
    }
    return { error: e.message, code: 'workflow-not-a-graph' };
  }
}

/** What checking a spec against its graph found: the problems, and the graph when it loaded. */
export interface GraphCheck {
  diagnostics: SpecDiagnostic[];
  graph?: ApiGraph;
}

/** Jobs checked per spec: every sweep value is in the first few, and a graph either takes a field or not. */
const MAX_JOBS = 64;

/**
 * Everything that stops a spec from becoming the graphs it would send, found before anything is
 * sent: a workflow file that is missing or not a graph, a sampler or text encoder that cannot be
 * found, a linked widget that cannot be driven, a mapped input that a spec field also drives. Each
 * problem sits on the line that caused it (both lines for a clash), else on `workflow:`.
 */
export function graphProblems(spec: Spec, file?: WorkflowFile): GraphCheck {
  const diagnostics: SpecDiagnostic[] = [];
  const seen = new Set<string>();
  const add = (range: Range, message: string, code: string) => {
    const key = `${range.start.line}:${range.start.character}:${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      diagnostics.push({ range, message, code, severity: 'error', specIndex: spec.index });
    }
  };
  const at = (field: string | undefined) => fieldRange(spec, field) ?? spec.fieldRanges.workflow ?? lensRange(spec);

  let graph: ApiGraph | undefined;
  if (spec.workflow) {
    if (!file) {
      return { diagnostics };
    }
    if ('error' in file) {
      add(at('workflow'), file.error, file.code);
      return { diagnostics };
    }
    graph = file.graph;
  }

  const cells = planCells(spec, { includeSweep: true, repeats: 1 }).slice(0, MAX_JOBS);
  for (const cell of cells) {
    try {
      buildGraph(specOfCell(spec, cell), cell.settings, graph);
    } catch (e) {
      if (!isGraphMappingError(e)) {
        throw e;
      }
      // A clash is about the whole field on each side, not the list item of the job that met it.
      const place = (f: string) => (e.related.length ? f.replace(/^(steps|seeds)\.\d+$/, '$1') : f);
      const code = e.related.length ? 'input-clash' : 'graph-mapping';
      add(at(place(e.field)), e.message, code);
      for (const other of e.related) {
        add(at(place(other)), e.message, code);
      }
    }
  }
  return { diagnostics, graph };
}

function lensRange(spec: Spec): Range {
  return { start: { line: spec.lensLine, character: 0 }, end: { line: spec.lensLine, character: Number.MAX_SAFE_INTEGER } };
}
