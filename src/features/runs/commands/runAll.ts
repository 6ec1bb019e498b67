import { resolveSpecTarget, SpecRunCommand } from './specTarget';

/** Runs every step count of a spec. */
export class RunAllCommand extends SpecRunCommand {
  readonly id = 'qwenprompt.runAll';

  async run(arg?: unknown) {
    const { doc, spec } = await resolveSpecTarget(this.docs, arg);
    return this.runs.run({ uri: doc.uri, spec });
  }
}
