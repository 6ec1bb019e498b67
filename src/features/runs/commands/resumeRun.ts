import { resolveSpecTarget, SpecRunCommand } from './specTarget';

/** Finishes the spec's newest interrupted run: only the images it is missing are made, into the same folder. */
export class ResumeRunCommand extends SpecRunCommand {
  readonly id = 'qwenprompt.resumeRun';

  async run(arg?: unknown) {
    const { doc, spec } = await resolveSpecTarget(this.docs, arg);
    return this.runs.run({ uri: doc.uri, spec, resume: true });
  }
}
