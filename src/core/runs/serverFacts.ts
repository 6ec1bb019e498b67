import type { SystemStats } from '../comfy/types';
import type { ServerFacts } from '../../shared/runRecord';

/** Server facts recorded with every run, so results from different GPUs are never mixed up. */
export function serverFacts(url: string, stats: SystemStats): ServerFacts {
  const dev = stats.devices?.[0];
  const facts: ServerFacts = { url };
  if (stats.system?.comfyui_version) facts.comfyuiVersion = stats.system.comfyui_version;
  if (dev?.name) facts.gpu = dev.name.replace(/^cuda:\d+\s+/, '').replace(/\s*:\s*\w+$/, '');
  if (dev?.vram_total) facts.vramTotalBytes = dev.vram_total;
  if (stats.system?.os) facts.os = stats.system.os;
  if (stats.system?.pytorch_version) facts.pytorchVersion = stats.system.pytorch_version;
  if (stats.system?.python_version) facts.pythonVersion = String(stats.system.python_version).split(' ')[0];
  return facts;
}
