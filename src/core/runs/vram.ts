import type { IComfyClient } from '../comfy/types';

export interface VramPeak {
  peakVramBytes?: number;
  peakTorchVramBytes?: number;
}

/**
 * Polls /system_stats while jobs run and keeps the highest VRAM use seen during each job
 * (vram_total − vram_free, and torch's reserved − free on the primary device). Polls are serialized:
 * a slow server never gets a pile of overlapping requests.
 */
export class VramMonitor {
  readonly #client: IComfyClient;
  readonly #intervalMs: number;
  readonly #peaks = new Map<string, VramPeak>();
  #running: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = false;
  #stopped = false;

  constructor(client: IComfyClient, intervalMs = 250) {
    this.#client = client;
    this.#intervalMs = intervalMs;
  }

  /** Marks the job now executing on the server (undefined when idle). Samples at once. */
  setRunning(promptId: string | undefined): void {
    this.#running = promptId;
    if (promptId) {
      void this.#sample();
      this.#schedule();
    }
  }

  /** The peak seen while the given job ran. */
  peak(promptId: string): VramPeak {
    return this.#peaks.get(promptId) ?? {};
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      if (!this.#running) return;
      await this.#sample();
      this.#schedule();
    }, this.#intervalMs);
    this.#timer.unref?.();
  }

  async #sample(): Promise<void> {
    if (this.#inFlight || this.#stopped) return;
    const job = this.#running;
    if (!job) return;
    this.#inFlight = true;
    try {
      const stats = await this.#client.systemStats();
      const dev = stats.devices?.[0];
      if (!dev) return;
      // Attribute the reading to the job that was running when the poll was sent.
      const p = this.#peaks.get(job) ?? {};
      const used = dev.vram_total - dev.vram_free;
      const torch = dev.torch_vram_total - dev.torch_vram_free;
      if (Number.isFinite(used)) p.peakVramBytes = Math.max(p.peakVramBytes ?? 0, used);
      if (Number.isFinite(torch)) p.peakTorchVramBytes = Math.max(p.peakTorchVramBytes ?? 0, torch);
      this.#peaks.set(job, p);
    } catch {
      // A missed reading only lowers the peak's resolution; the run goes on.
    } finally {
      this.#inFlight = false;
    }
  }
}
