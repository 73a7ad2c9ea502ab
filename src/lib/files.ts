/**
 * The one home of the small file primitives every stage needs: atomic writes (with the folder fsynced, so a
 * rename survives a crash), JSON read + zod check with an InputError naming the file and the key, sha256.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { InputError } from '../errors.ts';

/**
 * Write a file atomically: temp file in the same folder, fsync, rename, fsync the folder. Readers never see
 * half a file, and a crash leaves the old content or the new one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDirSync(dir);
}

/** fsync a folder so a rename inside it is durable; a no-op where folders cannot be opened or synced. */
export function fsyncDirSync(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EBADF' && code !== 'EPERM' && code !== 'EISDIR') throw error;
  } finally {
    closeSync(fd);
  }
}

/** Pretty JSON with a trailing newline, written atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Read and parse a JSON file; InputError naming the file when missing or not JSON. */
export function readJson(path: string, what = 'file'): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`${path}: ${what} not found`);
    }
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path}: ${what} is not valid JSON (${(error as Error).message})`);
  }
}

/** Read a JSON file and check it against `schema`; InputError naming the file, the key and what was expected. */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S, what: string): z.output<S> {
  return parseWith(schema, readJson(path, what), `${path}: invalid ${what}`);
}

/** Check `value` against `schema`; the InputError starts with `context` and names the first bad key. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, context: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InputError(`${context}: ${describeIssues(parsed.error.issues)}`);
}

/** "key a.b[2]: expected number, received string" for the first issue, and how many more there are. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `${first.path.length > 0 ? `key ${keyPath(first.path)}: ` : ''}${first.message}${more}`;
}

/** A zod issue path as a dotted key with [i] for array items. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** sha256 of bytes or a string, lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 and size of a file's bytes. */
export function fileDigest(path: string): { sha256: string; bytes: number } {
  const bytes = readFileSync(path);
  return { sha256: sha256Hex(bytes), bytes: bytes.byteLength };
}
