import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import vscode = require('vscode');
import type { ApiGraph, IComfyClient } from '../../core/comfy/types';
import type { ILogger } from '../../core/logger';
import { runEngine } from '../runEngine';

/** Reads the spec's `workflow:` graph, API or UI format (a UI workflow is converted against the
 * server's /object_info, or the recorded one when the server does not answer); the core says what is
 * wrong with a file that is neither. */
export async function readUserGraph(specFile: string, workflow: string, client: IComfyClient, log: ILogger): Promise<ApiGraph> {
  const file = path.resolve(path.dirname(specFile), workflow);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new Error(vscode.l10n.t('The workflow file {0} cannot be read: check the `workflow:` path.', file));
  }
  const engine = runEngine();
  const loaded = await engine.loadWorkflow(
    text,
    workflow,
    engine.objectInfoProvider(() => client.objectInfo(AbortSignal.timeout(15_000))),
  );
  if (loaded.format === 'ui') {
    log.info(engine.describeLoaded(loaded, workflow));
    for (const note of loaded.notes) log.warn(`${workflow}: ${note}`);
  }
  return loaded.graph;
}
