// Key lookups over the core's SPEC_KEYS (read from the published JSON schema), by YAML key path.
import { SPEC_KEYS, type SpecKeyInfo } from '../../core/spec/specKeys';

export interface KeyDoc extends SpecKeyInfo {
  name: string;
}

function mappingAt(parent: readonly string[]): Readonly<Record<string, SpecKeyInfo>> {
  let keys: Readonly<Record<string, SpecKeyInfo>> | undefined = SPEC_KEYS;
  for (const key of parent) {
    keys = keys?.[key]?.children;
  }
  return keys ?? {};
}

/** Keys allowed in the mapping at `parent` ([] = top level, ['models'], ['sweep']). */
export function keysAt(parent: readonly string[]): KeyDoc[] {
  return Object.entries(mappingAt(parent)).map(([name, info]) => ({ name, ...info }));
}

/** The documentation of one key path, e.g. ['models', 'unet']. */
export function keyDoc(path: readonly string[]): KeyDoc | undefined {
  const name = path[path.length - 1];
  const info = name === undefined ? undefined : mappingAt(path.slice(0, -1))[name];
  return info && { name, ...info };
}
