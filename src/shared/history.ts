// One line per run of a spec, as the history list shows it (not ComfyUI's /history entry, which the
// comfy client reads as its own HistoryEntry).
import type { RunStatus } from './runRecord';

export interface RunHistoryEntry {
  runDir: string;
  id: string;
  createdAt: string;
  status: RunStatus;
  server: string;
  gpu?: string;
  comfyuiVersion?: string;
  /** Settings every image shared, e.g. 'qwen-image-2512, seed 123456789, 1024×1024, …'. */
  settings: string;
  /** The swept columns, in plan order. */
  columns: string[];
  /** Headline figure per column: '20 steps 58.2 s'. */
  headline: string[];
  images: number;
  votes: number;
  /** The run's first image as the list shows it (its thumbnail when it has one), relative to `runDir`. */
  thumb?: string;
  /** asWebviewUri of `runDir`, added by the panel host for the thumbnail. */
  imageBase?: string;
}
