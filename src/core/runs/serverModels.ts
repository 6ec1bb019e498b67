// Whether a server can run a spec's graphs, from its /object_info: every node class installed and every
// combo value (model files above all) offered. A pool gives a server that cannot none of the spec's jobs.
import { comboValues, type ObjectInfo } from '../comfy/objectInfo';
import type { ApiGraph } from '../comfy/types';

/** What the server lacks for these graphs, in words ('node UnetLoaderGGUF', 'unet_name x.gguf'); empty when nothing. */
export function missingOnServer(info: ObjectInfo, graphs: ApiGraph[]): string[] {
  const missing = new Set<string>();
  for (const graph of graphs) {
    for (const node of Object.values(graph)) {
      if (!info[node.class_type]) {
        missing.add(`node ${node.class_type}`);
        continue;
      }
      for (const [input, value] of Object.entries(node.inputs ?? {})) {
        if (typeof value !== 'string') continue; // links and numbers: not offered lists
        const offered = comboValues(info, node.class_type, input);
        if (offered && !offered.includes(value)) missing.add(`${input} ${value}`);
      }
    }
  }
  return [...missing];
}
