/**
 * File-system building blocks of the local registry: durable writes (fsync), atomic replacement (temp + rename),
 * temp names that tell an abandoned temp (its process died) from a live one, and a lock file.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { RegistryError } from './errors.ts';

const TEMP_PREFIX = '.tmp-';
const TEMP_PATTERN = /^\.tmp-(.+)-(\d+)-([0-9a-f]{12})(?:\..*)?$/;

/** Write a new file (fails when it exists) and fsync it before returning. */
export async function writeFileDurable(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a folder so a rename inside it survives a power loss; a no-op where folders cannot be opened (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(dir, 'r');
  } catch (error) {
    if (isCode(error, 'EISDIR', 'EPERM', 'EACCES')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!isCode(error, 'EINVAL', 'EBADF', 'EPERM')) throw error;
  } finally {
    await handle.close();
  }
}

/** Replace `path` with `bytes` so readers see the old or the new content, never a mix. */
export async function replaceFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `${tempName()}.${basename(path)}`);
  try {
    await writeFileDurable(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dirname(path));
}

/**
 * A fresh temp name `.tmp-<host>-<pid>-<random>`. Random bytes, not the seeded PRNG: names must differ between
 * processes that start alike; they never reach a stored file's content.
 */
export function tempName(): string {
  return `${TEMP_PREFIX}${hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** True for names made by tempName (readers skip them). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/**
 * A temp entry is abandoned when the process that made it (on this host) is gone, or, for entries from other
 * hosts (a shared folder) or unrecognised names, when it is older than `staleMs`.
 */
export function isAbandoned(name: string, ageMs: number, staleMs: number): boolean {
  const match = TEMP_PATTERN.exec(name);
  if (match && match[1] === hostname()) return !processAlive(Number(match[2]));
  return ageMs > staleMs;
}

/** Remove abandoned temp entries directly inside `dir`; returns their names. */
export async function removeAbandonedTemps(dir: string, staleMs: number, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!isTempName(name)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (!info || !isAbandoned(name, now - info.mtimeMs, staleMs)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return isCode(error, 'EPERM');
  }
}

export interface LockOptions {
  /** Give up waiting after this long (ms). Default 30 000. */
  readonly timeoutMs?: number;
  /** A lock held longer than this by a process on another host is taken over (ms). Default 60 000. */
  readonly staleMs?: number;
}

/**
 * Run `fn` while holding the lock file `lockPath` (created with O_EXCL). A lock left by a dead process on this
 * host, or older than staleMs, is taken over.
 */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const staleMs = options.staleMs ?? 60_000;
  const token = tempName();
  const started = Date.now();
  let wait = 5;
  for (;;) {
    try {
      await writeFileDurable(lockPath, new TextEncoder().encode(token));
      break;
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
    }
    if (await takeOverIfAbandoned(lockPath, staleMs)) continue;
    if (Date.now() - started > timeoutMs) {
      throw new RegistryError(`${lockPath}: still locked after ${timeoutMs} ms by another process; try again`);
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 100);
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

/** Remove `lockPath` when its holder is gone. Renaming first makes sure we remove the lock we judged. */
async function takeOverIfAbandoned(lockPath: string, staleMs: number): Promise<boolean> {
  let holder: string;
  let ageMs: number;
  try {
    holder = await readFile(lockPath, 'utf8');
    ageMs = Date.now() - (await stat(lockPath)).mtimeMs;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return true;
    throw error;
  }
  if (!isAbandoned(holder, ageMs, staleMs)) return false;
  const aside = `${lockPath}${tempName()}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return true;
    throw error;
  }
  if ((await readFile(aside, 'utf8')) !== holder) {
    // Someone replaced the stale lock between our read and rename: put theirs back.
    await link(aside, lockPath).catch(() => undefined);
  }
  await rm(aside, { force: true });
  return true;
}

/** True when `error` is a Node system error with one of `codes`. */
export function isCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}
