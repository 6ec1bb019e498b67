import { formatEstimate, plannedEstimate, type TimeSample } from '../core/runs/estimate';
import type { RunUpdate } from '../core/runs/options';
import { formatMs } from '../shared/format';
import type { CellRecord, RunRecord } from '../shared/runRecord';
import { serverReachText, type ServerReach } from '../shared/serverReach';

/** How many job lines a TTY shows at once: the running one, the next queued, the latest done. */
const MAX_LINES = 12;

/**
 * Live progress of a run on stderr: on a terminal a bar per job, redrawn in place; elsewhere
 * (CI logs, pipes) one plain line per state change, never a carriage-return mess.
 */
export class ProgressView {
  readonly #out: NodeJS.WritableStream;
  readonly #tty: boolean;
  readonly #width: number;
  readonly #cells = new Map<string, CellRecord>();
  readonly #steps = new Map<string, { value: number; max: number }>();
  /** The server's state while it does not answer; the TTY block shows it above the bars. */
  #server: string | undefined;
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Earlier runs' images, to say how long the planned jobs will take ('~4 min'). */
  readonly #past: readonly TimeSample[];

  constructor(out: NodeJS.WritableStream, opts: { tty: boolean; columns?: number; past?: readonly TimeSample[] }) {
    this.#out = out;
    this.#past = opts.past ?? [];
    this.#tty = opts.tty;
    this.#width = Math.max(40, Math.min(opts.columns ?? 80, 120));
  }

  #estimate(record: RunRecord): string {
    const ms = plannedEstimate(this.#past, record);
    return ms === undefined ? '' : ` · ${formatEstimate(ms)}`;
  }

  title(text: string): void {
    this.#out.write(`${text}\n`);
  }

  update(u: RunUpdate): void {
    switch (u.type) {
      case 'planned':
        for (const c of u.record.cells) this.#cells.set(c.key, { ...c });
        if (this.#tty && this.#estimate(u.record)) this.#out.write(`${u.record.cells.length} job(s)${this.#estimate(u.record)}\n`);
        if (!this.#tty) {
          this.#out.write(`queued ${u.record.cells.length} job(s)${this.#estimate(u.record)}; run folder ${u.runDir}\n`);
          // The first job may already be running (or done) by the time the folder exists.
          for (const c of u.record.cells) if (c.status !== 'queued') this.#out.write(plainLine(c) + '\n');
        }
        break;
      case 'cell': {
        const before = this.#cells.get(u.cell.key)?.status;
        this.#cells.set(u.cell.key, { ...u.cell });
        if (!this.#tty && before !== u.cell.status) this.#out.write(plainLine(u.cell) + '\n');
        break;
      }
      case 'progress':
        this.#steps.set(u.key, { value: u.value, max: u.max });
        break;
      case 'server':
        this.#server = u.server.state === 'online' ? undefined : serverLine(u.server);
        // On a terminal the block redraws with the line in it (cleared once the server is back); in a
        // log every change is a line of its own.
        if (!this.#tty) this.#out.write(serverLine(u.server) + '\n');
        break;
      case 'preview':
      case 'finished':
        break;
    }
    if (this.#tty) this.#schedule();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#tty && this.#cells.size) this.#draw();
  }

  // Redraws at most ~12 times a second: a step message per few ms must not flood the terminal.
  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, 80);
  }

  #draw(): void {
    const all = [...this.#cells.values()];
    const active = all.findIndex((c) => c.status === 'running' || c.status === 'queued');
    // Keep the running job in view with a little context, and the block the same height near the end.
    const from = Math.max(0, Math.min((active < 0 ? all.length : active) - 3, all.length - MAX_LINES));
    const shown = all.slice(from, from + MAX_LINES);
    const done = all.filter((c) => !['queued', 'running'].includes(c.status)).length;
    const lines = [
      `${done}/${all.length} done${from ? ` (${from} earlier not shown)` : ''}`,
      ...(this.#server ? [this.#server] : []),
      ...shown.map((c) => this.#barLine(c)),
    ];
    let s = this.#drawn ? `\x1b[${this.#drawn}A` : '';
    for (const l of lines) s += `\x1b[2K${l}\n`;
    // Clear whatever an earlier, taller block left below.
    this.#out.write(s + '\x1b[J');
    this.#drawn = lines.length;
  }

  #barLine(c: CellRecord): string {
    const label = `${c.column} #${c.repeat + 1}`.padEnd(28).slice(0, 28);
    const barWidth = Math.max(10, this.#width - 28 - 30);
    const p = this.#steps.get(c.key);
    let frac = 0;
    let tail: string = c.status;
    if (c.status === 'running' && p) {
      frac = p.value / p.max;
      tail = `${p.value}/${p.max}`;
    } else if (c.status === 'success' || c.status === 'cached') {
      frac = 1;
      tail = c.status === 'cached' ? 'cached (not measured)' : `${formatMs(c.timings?.executionMs)}${c.timings?.cold ? ' cold' : ''}`;
    }
    const filled = Math.round(frac * barWidth);
    return `${label} ${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ${tail}`;
  }
}

/** The server line both views print: the panel's words, and how to stop waiting. */
export function serverLine(s: ServerReach): string {
  const text = serverReachText(s);
  return s.state === 'unreachable' ? `⚠ ${text}; Ctrl-C to stop` : `${s.state === 'online' ? '✔' : '✘'} ${text}`;
}

function plainLine(c: CellRecord): string {
  const what = `${c.column} #${c.repeat + 1} (seed ${c.seed})`;
  switch (c.status) {
    case 'running':
      return `▶ ${what} started`;
    case 'success':
      return `✔ ${what} ${formatMs(c.timings?.executionMs)}${c.timings?.cold ? ' (cold: models loaded)' : ''} → ${c.images.map((i) => i.file).join(', ')}`;
    case 'cached':
      return `• ${what} served from ComfyUI's cache: nothing measured`;
    default:
      return `✘ ${what} ${c.status}${c.error ? `: ${c.error}` : ''}`;
  }
}
