import type { IComfyClient } from '../comfy/types';

export interface VramPeak {
  peakVramBytes?: number;
  peakDeviceVramBytes?: number;
  peakTorchVramBytes?: number;
}

/** One device of /system_stats: `vram_free` is CUDA's free memory plus PyTorch's reserved-but-unused
 * memory (ComfyUI's get_free_memory), `torch_vram_total` PyTorch's reserved pool, `torch_vram_free` its unused part. */
export interface VramReading {
  vram_total: number;
  vram_free: number;
  torch_vram_total: number;
  torch_vram_free: number;
}

/**
 * The figures of one reading, bytes. `device`: memory in use on the GPU as nvidia-smi shows it, i.e. the
 * CUDA context, PyTorch's whole reserved pool and any other process (total − CUDA's free). `used`: what
 * ComfyUI's own figures give, total − vram_free (the context plus PyTorch's allocated memory, without the
 * reserved pool's unused part). `torch`: PyTorch's allocated memory (reserved − its unused part).
 */
export function vramFigures(r: VramReading): { used: number; device: number; torch: number } {
  return {
    used: r.vram_total - r.vram_free,
    device: r.vram_total - r.vram_free + r.torch_vram_free,
    torch: r.torch_vram_total - r.torch_vram_free,
  };
}

/**
 * Polls /system_stats while jobs run and keeps the highest VRAM use seen during each job (the figures of
 * vramFigures on the primary device). Polls are serialized: a slow server never gets a pile of
 * overlapping requests.
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
      const { used, device, torch } = vramFigures(dev);
      if (Number.isFinite(used)) p.peakVramBytes = Math.max(p.peakVramBytes ?? 0, used);
      if (Number.isFinite(device)) p.peakDeviceVramBytes = Math.max(p.peakDeviceVramBytes ?? 0, device);
      if (Number.isFinite(torch)) p.peakTorchVramBytes = Math.max(p.peakTorchVramBytes ?? 0, torch);
      this.#peaks.set(job, p);
    } catch {
      // A missed reading only lowers the peak's resolution; the run goes on.
    } finally {
      this.#inFlight = false;
    }
  }
}
