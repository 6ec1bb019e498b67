// Who rates when nobody said: git's user.name (as a commit would name them), else the OS user.
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { MAX_LABEL } from '../../shared/ratingRound';

/** The rater's name: `configured` when set, else `git config user.name` in `cwd`, else the login name. */
export async function raterName(configured: string | undefined, cwd: string): Promise<string> {
  const set = configured?.trim();
  if (set) return set.slice(0, MAX_LABEL);
  const git = await new Promise<string>((resolve) => {
    execFile('git', ['config', 'user.name'], { cwd, timeout: 5000, windowsHide: true }, (err, stdout) =>
      resolve(err ? '' : String(stdout).trim()),
    );
  });
  if (git) return git.slice(0, MAX_LABEL);
  try {
    return os.userInfo().username || 'unnamed';
  } catch {
    return 'unnamed';
  }
}
