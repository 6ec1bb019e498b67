// The file and folder names the webview may send: the host resolves nothing else. Pure.

/** A relative file name inside the run folder: no absolute path, no `..`, no backslash tricks. */
export function isSafeRelativeFile(file: unknown): file is string {
  if (typeof file !== 'string' || file.length === 0 || file.length > 512) return false;
  if (file.startsWith('/') || file.includes('\\') || file.includes('\0') || /^[a-zA-Z]:/.test(file)) {
    return false;
  }
  return file.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** An absolute folder path with no `..` segment and no NUL (another run's folder; the host then checks
 * that it is a sibling of the shown run). */
export function isAbsoluteDir(dir: unknown): dir is string {
  if (typeof dir !== 'string' || dir.length === 0 || dir.length >= 4096 || dir.includes('\0')) return false;
  if (!/^(\/|[a-zA-Z]:[\\/]|\\\\)/.test(dir)) return false;
  return dir.split(/[\\/]/).every((seg) => seg !== '..');
}
