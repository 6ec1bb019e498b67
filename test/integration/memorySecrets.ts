import * as vscode from 'vscode';

/** SecretStorage in memory, for services the tests build themselves (the real one persists across runs). */
export function memorySecrets(): vscode.SecretStorage {
  const map = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.SecretStorageChangeEvent>();
  return {
    get: async (k) => map.get(k),
    store: async (k, v) => void (map.set(k, v), changed.fire({ key: k })),
    delete: async (k) => void (map.delete(k), changed.fire({ key: k })),
    onDidChange: changed.event,
  } as vscode.SecretStorage;
}
