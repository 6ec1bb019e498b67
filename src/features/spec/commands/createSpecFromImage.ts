import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import vscode = require('vscode');
import { stableStringify, writeFileAtomic } from '../../../core/runs/record';
import { specFolderForImage } from '../../../core/runs/runFolders';
import { language } from '../../languageModule';
import type { Command } from '../../command';

/** The image: an Explorer selection (Uri), `{ file }`, or one the user picks. */
async function imageArg(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const file = arg && typeof arg === 'object' ? (arg as { file?: unknown }).file : undefined;
  if (typeof file === 'string' && path.isAbsolute(file)) return vscode.Uri.file(file);
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { [vscode.l10n.t('PNG images')]: ['png'] },
    openLabel: vscode.l10n.t('Create Spec'),
    title: vscode.l10n.t('A PNG saved by ComfyUI'),
  });
  return picked?.[0];
}

/**
 * Reads the graph ComfyUI embedded in a PNG and writes a .qwenprompt that reproduces the image:
 * on a built-in template when the graph is one, else on the graph itself, saved beside the spec.
 */
export class CreateSpecFromImageCommand implements Command {
  readonly id = 'qwenprompt.createSpecFromImage';

  async run(arg?: unknown): Promise<string | undefined> {
    const image = await imageArg(arg);
    if (!image) return undefined;
    const bytes = await fs.readFile(image.fsPath);
    const base = path
      .basename(image.fsPath)
      .replace(/\.png$/i, '')
      .replace(/_\d{5}_$/, '');
    // Fail before asking where to save when the image carries no graph.
    const { specFromPng } = language();
    specFromPng(bytes, base, `${base}.api.json`);
    const target = (arg as { target?: unknown } | undefined)?.target;
    const out =
      typeof target === 'string' && path.isAbsolute(target)
        ? vscode.Uri.file(target)
        : await vscode.window.showSaveDialog({
            defaultUri: vscode.Uri.file(path.join(await specFolderForImage(image.fsPath), `${base}.qwenprompt`)),
            filters: { QwenPrompt: ['qwenprompt'] },
            title: vscode.l10n.t('Save the spec'),
          });
    if (!out) return undefined;
    const name = path.basename(out.fsPath).replace(/\.qwenprompt$/i, '');
    const made = specFromPng(bytes, name, `${name}.api.json`);
    if (made.kind === 'workflow' && made.graph) {
      await writeFileAtomic(path.join(path.dirname(out.fsPath), made.workflowFile!), stableStringify(made.graph));
    }
    await writeFileAtomic(out.fsPath, made.text);
    await vscode.window.showTextDocument(out);
    if (made.kind === 'workflow') {
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'The image’s graph does not match a built-in template ({0}); the spec runs it from {1}.',
          made.reason ?? '',
          made.workflowFile!,
        ),
      );
    }
    return out.fsPath;
  }
}
