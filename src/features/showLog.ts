import type { Command } from './command';

export class ShowLogCommand implements Command {
  readonly id = 'qwenprompt.showLog';
  readonly #log: { show(): void };

  constructor(log: { show(): void }) {
    this.#log = log;
  }

  run(): void {
    this.#log.show();
  }
}
