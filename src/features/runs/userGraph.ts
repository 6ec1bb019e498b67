import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import vscode = require('vscode');
import type { ApiGraph } from '../../core/comfy/types';
import { runEngine } from '../runEngine';

/** Reads the spec's `workflow:` graph; the core says what is wrong with a file that is not an API graph. */
export async function readUserGraph(specFile: string, workflow: string): Promise<ApiGraph> {
  const file = path.resolve(path.dirname(specFile), workflow);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new Error(vscode.l10n.t('The workflow file {0} cannot be read: check the `workflow:` path.', file));
  }
  return runEngine().loadUserGraph(text, workflow);
}
