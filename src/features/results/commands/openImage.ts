import * as path from 'node:path';
import vscode = require('vscode');
import type { Command } from '../../command';
import { runDirArg } from './openResults';

/** Opens a run image in VS Code's own image preview, as an ordinary editor tab. */
export class OpenImageCommand implements Command {
  readonly id = 'qwenprompt.openImage';

  async run(arg?: unknown): Promise<void> {
    const file = imageFile(arg);
    if (!file) {
      throw new Error(vscode.l10n.t('Open an image from the results panel.'));
    }
    await openImage(vscode.Uri.file(file));
  }
}

/** Opens an image in VS Code's own image preview, as an ordinary editor tab (the results panel's images). */
export async function openImage(file: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('vscode.open', file, { preview: true, viewColumn: vscode.ViewColumn.Active });
}

/** `{ file }` (absolute) or `{ runDir, file }` (file relative to the run folder, never leaving it). */
export function imageFile(arg: unknown): string | undefined {
  const file = arg && typeof arg === 'object' ? (arg as { file?: unknown }).file : undefined;
  if (typeof file !== 'string' || !file) {
    return undefined;
  }
  const runDir = runDirArg(arg);
  if (!runDir) {
    return path.isAbsolute(file) ? file : undefined;
  }
  const full = path.resolve(runDir, file);
  return full.startsWith(runDir + path.sep) ? full : undefined;
}
