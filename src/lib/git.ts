import { execFileSync } from 'node:child_process';

export interface GitInfo {
  readonly commit: string | null;
  readonly branch: string | null;
}

/** Commit and branch of the working tree: from GitHub Actions' env when set, else from git; null when unknown. */
export function gitInfo(cwd: string, env: NodeJS.ProcessEnv = process.env): GitInfo {
  const commit = env.GITHUB_SHA || git(cwd, ['rev-parse', 'HEAD']);
  const branch = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  return { commit: commit || null, branch: branch && branch !== 'HEAD' ? branch : null };
}

function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
