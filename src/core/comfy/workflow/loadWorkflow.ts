// Reads the spec's `workflow:` file in either format ComfyUI saves: an API graph (Export (API), or a
// saved POST /prompt body) is used as is; a UI workflow (Workflow → Save, the official templates) is
// converted the way the frontend queues it, against the server's /object_info when it answers, else
// the /object_info recorded from a ComfyUI server that ships with qwenprompt.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { ObjectInfo } from '../objectInfo';
import type { ApiGraph } from '../types';
import { GraphMappingError } from './graphMappingError';
import { convertUiWorkflow } from './uiFormat/convert';
import { isUiWorkflow, UiWorkflowError } from './uiFormat/uiTypes';
import { loadUserGraph } from './userGraph';

export type ObjectInfoSource = 'server' | 'recorded';

export interface LoadedWorkflow {
  graph: ApiGraph;
  format: 'api' | 'ui';
  /** For a UI workflow: whose /object_info named its widget values. */
  objectInfo?: ObjectInfoSource;
  /** What the conversion could not follow as the frontend would. */
  notes: string[];
}

/** Gives the /object_info to convert against; only called for a UI workflow. */
export type ObjectInfoProvider = () => Promise<{ info: ObjectInfo; source: ObjectInfoSource }>;

const RECORDED = path.join('media', 'comfy', 'object_info.json.gz');
let recorded: ObjectInfo | undefined;

/** The recorded /object_info (core nodes of a ComfyUI server), found beside the bundle or the sources. */
export function recordedObjectInfo(): ObjectInfo {
  if (!recorded) {
    let dir = __dirname;
    for (let i = 0; i < 6 && !fs.existsSync(path.join(dir, RECORDED)); i++) dir = path.dirname(dir);
    recorded = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, RECORDED))).toString('utf8')) as ObjectInfo;
  }
  return recorded;
}

/** The server's /object_info when `fetchInfo` answers, else the recorded one. */
export function objectInfoProvider(fetchInfo: (() => Promise<unknown>) | undefined): ObjectInfoProvider {
  return async () => {
    if (fetchInfo) {
      try {
        const info = await fetchInfo();
        if (info && typeof info === 'object' && !Array.isArray(info) && Object.keys(info).length > 0) {
          return { info: info as ObjectInfo, source: 'server' };
        }
      } catch {
        // An unreachable server is not an error here: the recorded node schemas name the widgets.
      }
    }
    return { info: recordedObjectInfo(), source: 'recorded' };
  };
}

/** Parses a workflow file's text in API or UI format (see the file comment). */
export async function loadWorkflow(json: string, fileLabel: string, objectInfo: ObjectInfoProvider): Promise<LoadedWorkflow> {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new GraphMappingError('workflow', '', `${fileLabel} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isUiWorkflow(data)) return { graph: loadUserGraph(json, fileLabel), format: 'api', notes: [] };
  const { info, source } = await objectInfo();
  try {
    const { graph, notes } = convertUiWorkflow(data, info);
    if (Object.keys(graph).length === 0) {
      throw new UiWorkflowError('it has no node that ComfyUI would run (every node is a note, muted or bypassed)');
    }
    return { graph, format: 'ui', objectInfo: source, notes };
  } catch (e) {
    if (!(e instanceof UiWorkflowError)) throw e;
    throw new GraphMappingError('workflow', '', `${fileLabel} is a UI workflow that cannot be converted: ${e.message}`);
  }
}

/** One line for run/validate output: which format the file was and whose /object_info converted it. */
export function describeLoaded(w: LoadedWorkflow, fileLabel: string): string {
  if (w.format === 'api') return `${fileLabel}: API-format graph, ${Object.keys(w.graph).length} nodes`;
  const whose = w.objectInfo === 'server' ? "the server's /object_info" : "the recorded /object_info (the server's did not answer)";
  return `${fileLabel}: UI workflow converted to ${Object.keys(w.graph).length} API nodes using ${whose}`;
}
