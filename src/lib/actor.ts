/** Who changes the registry, for the alias history: GITHUB_ACTOR, else git's user.name, else the OS user. */
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';

export function historyActor(env: NodeJS.ProcessEnv, cwd: string): string {
  if (env.GITHUB_ACTOR) return env.GITHUB_ACTOR;
  const gitUser = gitUserName(cwd, env);
  if (gitUser) return gitUser;
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // No passwd entry (an arbitrary uid in a container): fall through to the environment.
  }
  return env.USER || env.USERNAME || 'unknown';
}

function gitUserName(cwd: string, env: NodeJS.ProcessEnv): string | null {
  try {
    const name = execFileSync('git', ['config', 'user.name'], {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return name || null;
  } catch {
    return null;
  }
}
