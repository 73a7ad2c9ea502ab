/** Reading and writing golden.json through its schema. */
import { InputError } from '../errors.ts';
import { readJson, writeJson } from '../lib/files.ts';
import { type GoldenSet, goldenSetSchema } from './schema.ts';

export function readGoldenSet(path: string): GoldenSet {
  const parsed = goldenSetSchema.safeParse(readJson(path, 'golden set'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${path}: not a golden set: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function writeGoldenSet(path: string, set: GoldenSet): void {
  writeJson(path, goldenSetSchema.parse(set));
}

/** The bytes of golden.json as writeGoldenSet writes them (two-space JSON, final newline): the registry asset. */
export function serializeGoldenSet(set: GoldenSet): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(set, null, 2)}\n`);
}
