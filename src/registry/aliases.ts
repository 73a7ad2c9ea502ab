/**
 * Aliases and their history, as one small JSON document per model (registry.json locally, an asset on GitHub),
 * and the serving image continuous delivery pushed for each version. Pure functions: the backends read the
 * document, apply one of these, and store the result atomically.
 */
import { z } from 'zod';
import { AliasMovedError, RegistryError } from './errors.ts';
import { checkAliasName } from './refs.ts';
import { type AliasChange, type AliasMeta, aliasChangeSchema, type ImageRecord, imageRecordSchema } from './types.ts';

export const REGISTRY_FORMAT = 1;

const registryDocumentSchema = z
  .object({
    format: z.literal(REGISTRY_FORMAT),
    model: z.string(),
    aliases: z.record(z.string(), z.int().min(1)),
    history: z.array(aliasChangeSchema),
    /** Version number (as a string key) → the serving image pushed for it; absent until CD pushes one. */
    images: z.record(z.string().regex(/^[1-9][0-9]*$/), imageRecordSchema).optional(),
  })
  .strict();

/** The stored aliases of one model and every change that led to them. */
export type RegistryDocument = z.output<typeof registryDocumentSchema>;

export function emptyDocument(model: string): RegistryDocument {
  return { format: REGISTRY_FORMAT, model, aliases: {}, history: [] };
}

/** Parse and check a stored document; `where` names the file or asset in errors. */
export function parseRegistryDocument(text: string, model: string, where: string): RegistryDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RegistryError(`${where}: not JSON: ${(error as Error).message}`);
  }
  const parsed = registryDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`);
    throw new RegistryError(`${where}: not a registry document: ${issues.join('; ')}`);
  }
  if (parsed.data.model !== model) {
    throw new RegistryError(`${where}: holds the aliases of model ${parsed.data.model}, expected ${model}`);
  }
  return parsed.data;
}

/** Two-space JSON with a final newline. */
export function serializeRegistryDocument(doc: RegistryDocument): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`);
}

/** The result of an alias operation: the new document and the history entry (none for a no-op). */
export interface AliasUpdate {
  readonly doc: RegistryDocument;
  readonly change?: AliasChange;
}

/** Point `alias` at `version` (a no-op when it already does). `at` is an ISO timestamp. */
export function withAlias(
  doc: RegistryDocument,
  alias: string,
  version: number,
  meta: AliasMeta,
  at: string,
): AliasUpdate {
  checkAliasName(alias);
  checkMeta(meta);
  const from = doc.aliases[alias] ?? null;
  if (from === version) return { doc };
  if (meta.expect !== undefined && meta.expect !== from) throw new AliasMovedError(doc.model, alias, meta.expect, from);
  const change: AliasChange = { alias, from, to: version, at, ...metaFields(meta), action: 'set' };
  return {
    doc: { ...doc, aliases: { ...doc.aliases, [alias]: version }, history: [...doc.history, change] },
    change,
  };
}

/** What an update of the document returns: the new document, and whether it must be stored. */
export interface DocumentUpdate {
  readonly doc: RegistryDocument;
  /** An alias change (recorded in the history). */
  readonly change?: AliasChange;
  /** Changed without an alias change (an image record). */
  readonly dirty?: boolean;
}

/** The recorded images by version number. */
export function imagesOf(doc: RegistryDocument): Record<number, ImageRecord> {
  return Object.fromEntries(Object.entries(doc.images ?? {}).map(([version, image]) => [Number(version), image]));
}

/** Record the serving image of `version` (a later push of the same version replaces it). */
export function withImage(
  doc: RegistryDocument,
  version: number,
  image: ImageRecord,
): { doc: RegistryDocument; dirty: boolean } {
  const parsed = imageRecordSchema.safeParse(image);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(image)'}: ${issue.message}`);
    throw new RegistryError(`model ${doc.model} v${version}: not an image record: ${issues.join('; ')}`);
  }
  const current = doc.images?.[String(version)];
  if (current && current.reference === image.reference && current.digest === image.digest) return { doc, dirty: false };
  return { doc: { ...doc, images: { ...doc.images, [String(version)]: parsed.data } }, dirty: true };
}

/** Undo the latest set of `alias` still in effect: move it to the version it pointed at before. */
export function withRollback(doc: RegistryDocument, alias: string, meta: AliasMeta, at: string): AliasUpdate {
  checkAliasName(alias);
  checkMeta(meta);
  const current = doc.aliases[alias];
  if (current === undefined) throw new RegistryError(`model ${doc.model}: alias ${alias} is not set`);
  const stack = aliasStack(doc.history, alias);
  if (stack.at(-1) !== current) {
    throw new RegistryError(
      `model ${doc.model}: the history of alias ${alias} does not end at v${current} (edited by hand?); ` +
        'set the alias to the version you want instead',
    );
  }
  if (stack.length < 2) {
    throw new RegistryError(`model ${doc.model}: alias ${alias} has no earlier version to roll back to`);
  }
  const to = stack[stack.length - 2];
  const change: AliasChange = { alias, from: current, to, at, ...metaFields(meta), action: 'rollback' };
  return {
    doc: { ...doc, aliases: { ...doc.aliases, [alias]: to }, history: [...doc.history, change] },
    change,
  };
}

/**
 * Versions `alias` went through, oldest first, with rolled-back ones removed: each `set` pushes its version,
 * each `rollback` pops one. The last element is the current version; the one before is where a rollback goes.
 */
export function aliasStack(history: readonly AliasChange[], alias: string): number[] {
  const stack: number[] = [];
  for (const change of history) {
    if (change.alias !== alias) continue;
    if (change.action === 'set') stack.push(change.to);
    else stack.pop();
  }
  return stack;
}

/**
 * The version `alias` pointed at on `date` (a Date or an ISO string): the latest change at or before it, in
 * history order; undefined when the alias had not been set yet.
 */
export function aliasAt(history: readonly AliasChange[], alias: string, date: Date | string): number | undefined {
  const instant = typeof date === 'string' ? Date.parse(date) : date.getTime();
  if (Number.isNaN(instant)) throw new RegistryError(`aliasAt: ${String(date)} is not a date`);
  let version: number | undefined;
  for (const change of history) {
    if (change.alias === alias && Date.parse(change.at) <= instant) version = change.to;
  }
  return version;
}

/** Only the fields that are set, so a missing reason leaves no `reason` key. */
function metaFields(meta: AliasMeta): AliasMeta {
  return meta.reason === undefined ? { actor: meta.actor } : { actor: meta.actor, reason: meta.reason };
}

function checkMeta(meta: AliasMeta): void {
  if (typeof meta?.actor !== 'string' || meta.actor.trim() === '') {
    throw new RegistryError('alias changes need an actor (who moved the alias), e.g. the GitHub user');
  }
}
