/**
 * What the registry knows about a model card: the few fields it relies on, checked with zod; everything else
 * passes through untouched (the full card schema belongs to the card stage). Also the asset digests that tie
 * a version's files to its card.
 */
import { z } from 'zod';
import { sha256Hex } from '../lib/files.ts';
import { IntegrityError, RegistryError } from './errors.ts';
import { type AssetDigest, CARD_JSON_FILE, CARD_MD_FILE, GOLDEN_FILE, MODEL_FILE, type PublishFiles } from './types.ts';

export { CARD_JSON_FILE, CARD_MD_FILE, GOLDEN_FILE, MODEL_FILE };

/** Assets a card may list digests for (card.json cannot hold its own digest). */
export const DIGESTED_FILES = [MODEL_FILE, CARD_MD_FILE, GOLDEN_FILE] as const;

const assetDigestSchema = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
    bytes: z.int().min(0),
  })
  .strict();

export const registryCardSchema = z.looseObject({
  name: z.string().min(1),
  version: z.int().min(1),
  created_at: z.iso.datetime({ offset: true }),
  run_key: z.string().min(1),
  parent_version: z.int().min(1).nullable().optional(),
  assets: z
    .partialRecord(z.enum(DIGESTED_FILES), assetDigestSchema)
    .refine((assets) => MODEL_FILE in assets, { message: `expected an entry for ${MODEL_FILE}` }),
});

/** A model card as far as the registry is concerned; unknown keys are kept as they are. */
export type RegistryCard = z.output<typeof registryCardSchema>;

/** sha256 (lowercase hex) and length of `bytes`. */
export function digestOf(bytes: Uint8Array): AssetDigest {
  return { sha256: sha256Hex(bytes), bytes: bytes.byteLength };
}

/** Check a card object; `where` names its origin in the error (a file path, a release). */
export function checkCard(value: unknown, where: string): RegistryCard {
  const parsed = registryCardSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(card)'}: ${issue.message}`);
    throw new RegistryError(`${where}: not a valid model card: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Parse card.json text (see checkCard). */
export function parseCard(text: string, where: string): RegistryCard {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RegistryError(`${where}: not JSON: ${(error as Error).message}`);
  }
  return checkCard(value, where);
}

/** The bytes of card.json: two-space JSON and a final newline, so the same card gives the same file. */
export function serializeCard(card: RegistryCard): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(card, null, 2)}\n`);
}

/** One file of a version, ready to store. */
export interface AssetBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A version's files after the checks of encodeVersion, in the order they are written. */
export interface EncodedVersion {
  readonly card: RegistryCard;
  readonly assets: readonly AssetBytes[];
}

/**
 * Check what `build(version)` returned and turn it into the files to store: the card must name this model,
 * version and run key, and its digests must match model.onnx (required), card.md and golden.json (when listed).
 */
export function encodeVersion(
  files: PublishFiles,
  expected: { name: string; version: number; runKey: string },
): EncodedVersion {
  const where = `build(${expected.version}) for model ${expected.name}`;
  if (!(files.model instanceof Uint8Array) || files.model.byteLength === 0) {
    throw new RegistryError(`${where}: model must be the non-empty bytes of model.onnx`);
  }
  if (typeof files.cardMd !== 'string') throw new RegistryError(`${where}: cardMd must be a string`);
  const card = checkCard(files.card, `${where}: card`);
  const mismatches: string[] = [];
  if (card.name !== expected.name) mismatches.push(`name is ${JSON.stringify(card.name)}`);
  if (card.version !== expected.version) mismatches.push(`version is ${card.version}`);
  if (card.run_key !== expected.runKey) mismatches.push(`run_key is ${JSON.stringify(card.run_key)}`);
  if (mismatches.length > 0) {
    throw new RegistryError(
      `${where}: the card must have name ${JSON.stringify(expected.name)}, version ${expected.version} and ` +
        `run_key ${JSON.stringify(expected.runKey)}, but its ${mismatches.join(', ')}`,
    );
  }
  const cardMd = new TextEncoder().encode(files.cardMd);
  verifyAsset(MODEL_FILE, files.model, card, where);
  if (card.assets[CARD_MD_FILE]) verifyAsset(CARD_MD_FILE, cardMd, card, where);
  if (card.assets[GOLDEN_FILE] && !files.golden) throw new RegistryError(`${where}: the card lists ${GOLDEN_FILE}`);
  if (files.golden) {
    if (!card.assets[GOLDEN_FILE]) throw new RegistryError(`${where}: ${GOLDEN_FILE} is not in the card's assets`);
    verifyAsset(GOLDEN_FILE, files.golden, card, where);
  }
  return {
    card,
    assets: [
      { name: MODEL_FILE, bytes: files.model },
      { name: CARD_MD_FILE, bytes: cardMd },
      ...(files.golden ? [{ name: GOLDEN_FILE, bytes: files.golden }] : []),
      // card.json last: a reader that sees it knows the rest was written before.
      { name: CARD_JSON_FILE, bytes: serializeCard(card) },
    ],
  };
}

/** Throw IntegrityError when `bytes` differ from the card's digest for `asset` (no-op for unlisted assets). */
export function verifyAsset(asset: string, bytes: Uint8Array, card: RegistryCard, where: string): void {
  const expected = card.assets[asset as (typeof DIGESTED_FILES)[number]];
  if (!expected) return;
  const actual = digestOf(bytes);
  if (actual.bytes !== expected.bytes || actual.sha256 !== expected.sha256) {
    throw new IntegrityError(asset, expected, actual, where);
  }
}
