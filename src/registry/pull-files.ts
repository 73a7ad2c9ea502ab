/** Writing a pulled version into a folder: verify everything in memory first, then write via a temp folder. */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CARD_JSON_FILE, CARD_MD_FILE, GOLDEN_FILE, MODEL_FILE, verifyAsset } from './card.ts';
import { RegistryError } from './errors.ts';
import { fsyncDir, tempName, writeFileDurable } from './fs-atomic.ts';
import type { ModelVersion, PullResult } from './types.ts';

/**
 * Verify `assets` (name → bytes) against the card of `version`, then write model.onnx, card.json and card.md
 * (and golden.json when the card lists it) into `dir`. On a mismatch (IntegrityError) nothing is written;
 * `where` names the source in errors.
 */
export async function writePulledFiles(
  version: ModelVersion,
  assets: ReadonlyMap<string, Uint8Array>,
  dir: string,
  where: string,
): Promise<PullResult['files']> {
  const names = [MODEL_FILE, CARD_MD_FILE, ...(version.card.assets[GOLDEN_FILE] ? [GOLDEN_FILE] : []), CARD_JSON_FILE];
  for (const name of names) {
    const bytes = assets.get(name);
    if (!bytes) throw new RegistryError(`${where}: ${name} is missing`);
    verifyAsset(name, bytes, version.card, where);
  }
  const target = resolve(dir);
  const created = await mkdir(target, { recursive: true });
  const temp = join(target, tempName());
  try {
    await mkdir(temp);
    for (const name of names) await writeFileDurable(join(temp, name), assets.get(name)!);
    for (const name of names) await rename(join(temp, name), join(target, name));
    await fsyncDir(target);
  } catch (error) {
    await rm(created ?? temp, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return {
    model: join(target, MODEL_FILE),
    cardJson: join(target, CARD_JSON_FILE),
    cardMd: join(target, CARD_MD_FILE),
    ...(names.includes(GOLDEN_FILE) ? { golden: join(target, GOLDEN_FILE) } : {}),
  };
}
