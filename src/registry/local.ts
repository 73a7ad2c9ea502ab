/**
 * Local-folder backend. Layout (relative to the registry root, `models/` by default):
 *
 *   <name>/v<N>/model.onnx, card.json, card.md   one folder per version, never modified once there
 *   <name>/registry.json                         aliases + history (aliases.ts), replaced atomically under a lock
 *   <name>/.tmp-<host>-<pid>-<random>            a publish in progress (or abandoned by a crash); readers skip it
 *
 * A version appears by renaming a complete, fsynced temp folder to v<N>; rename refuses an existing non-empty
 * folder, which is how two concurrent publishers learn that one of them lost the race for N.
 */

import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type DocumentUpdate,
  emptyDocument,
  imagesOf,
  parseRegistryDocument,
  type RegistryDocument,
  serializeRegistryDocument,
  withAlias,
  withImage,
  withRollback,
} from './aliases.ts';
import { CARD_JSON_FILE, CARD_MD_FILE, encodeVersion, GOLDEN_FILE, MODEL_FILE, parseCard } from './card.ts';
import { NotFoundError, RegistryError } from './errors.ts';
import {
  fsyncDir,
  isCode,
  removeAbandonedTemps,
  replaceFileAtomic,
  tempName,
  withLock,
  writeFileDurable,
} from './fs-atomic.ts';
import { writePulledFiles } from './pull-files.ts';
import { checkModelName, parseRef, versionLabel } from './refs.ts';
import type {
  AliasChange,
  AliasMeta,
  BuildVersion,
  ImageRecord,
  ModelRegistry,
  ModelVersion,
  PublishOptions,
  PublishResult,
  PullResult,
} from './types.ts';

export const REGISTRY_FILE = 'registry.json';
const LOCK_FILE = '.registry.lock';
const VERSION_DIR = /^v([1-9][0-9]{0,8})$/;

export interface LocalRegistryOptions {
  /** Registry folder (absolute, or relative to the working directory). */
  readonly root: string;
  /** Receives a message for each skipped folder (e.g. a version folder without card.json). Default: ignore. */
  readonly onWarning?: (message: string) => void;
  /** Clock for history timestamps. Default: the system clock. */
  readonly now?: () => Date;
  /** Actor recorded by rollback when none is given. Default "unknown". */
  readonly actor?: string;
  /** Temp folders from another host older than this are removed by publish (ms). Default 6 h. */
  readonly staleMs?: number;
  /** Versions a publish may try before giving up on races. Default 20. */
  readonly maxPublishAttempts?: number;
}

export class LocalRegistry implements ModelRegistry {
  readonly backend = 'local';
  readonly root: string;
  private readonly onWarning: (message: string) => void;
  private readonly now: () => Date;
  private readonly warned = new Set<string>();

  private readonly options: LocalRegistryOptions;

  constructor(options: LocalRegistryOptions) {
    this.options = options;
    this.root = resolve(options.root);
    this.onWarning = options.onWarning ?? (() => {});
    this.now = options.now ?? (() => new Date());
  }

  async list(name: string): Promise<ModelVersion[]> {
    const numbers = await this.versionNumbers(name);
    const versions: ModelVersion[] = [];
    for (const number of numbers) {
      const version = await this.readVersion(name, number);
      if (version) versions.push(version);
    }
    return versions;
  }

  async resolve(name: string, ref: string): Promise<ModelVersion> {
    return this.resolveIn(name, ref, await this.readDocument(name));
  }

  async pull(name: string, ref: string, dir: string): Promise<PullResult> {
    const version = await this.resolve(name, ref);
    const assets = new Map<string, Uint8Array>();
    const golden = version.card.assets[GOLDEN_FILE] ? [GOLDEN_FILE] : [];
    for (const file of [MODEL_FILE, CARD_JSON_FILE, CARD_MD_FILE, ...golden]) {
      assets.set(file, await readFile(join(version.location, file)));
    }
    const files = await writePulledFiles(version, assets, dir, version.location);
    return { version, files };
  }

  async publish(name: string, build: BuildVersion, options: PublishOptions): Promise<PublishResult> {
    checkRunKey(options.runKey);
    const modelDir = this.modelDir(name);
    await mkdir(modelDir, { recursive: true });
    await removeAbandonedTemps(modelDir, this.options.staleMs ?? 6 * 3600_000);
    const maxAttempts = this.options.maxPublishAttempts ?? 20;
    let lastTried = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const existing = (await this.list(name)).find((version) => version.card.run_key === options.runKey);
      if (existing) return { version: existing, created: false };
      const number = Math.max(lastTried, ...(await this.versionNumbers(name))) + 1;
      options.onProgress?.({ step: 'build', version: number });
      const encoded = encodeVersion(await build(number), { name, version: number, runKey: options.runKey });
      const temp = join(modelDir, tempName());
      const final = join(modelDir, versionLabel(number));
      try {
        await mkdir(temp);
        for (const asset of encoded.assets) {
          options.onProgress?.({ step: 'write', version: number, asset: asset.name });
          await writeFileDurable(join(temp, asset.name), asset.bytes);
        }
        await fsyncDir(temp);
        options.onProgress?.({ step: 'commit', version: number });
        if (await renameUnlessTaken(temp, final)) {
          await fsyncDir(modelDir);
          return { version: { name, version: number, card: encoded.card, location: final }, created: true };
        }
      } finally {
        await rm(temp, { recursive: true, force: true });
      }
      options.onProgress?.({ step: 'race-lost', version: number });
      lastTried = number;
    }
    throw new RegistryError(`model ${name}: publish lost the race for a version number ${maxAttempts} times`);
  }

  async aliases(name: string): Promise<Record<string, number>> {
    return (await this.readDocument(name)).aliases;
  }

  async history(name: string): Promise<AliasChange[]> {
    return (await this.readDocument(name)).history;
  }

  async recordImage(name: string, ref: string, image: ImageRecord): Promise<number> {
    const { version } = await this.resolve(name, ref);
    await this.updateDocument(name, async (doc) => withImage(doc, version, image));
    return version;
  }

  async images(name: string): Promise<Record<number, ImageRecord>> {
    return imagesOf(await this.readDocument(name));
  }

  async setAlias(name: string, alias: string, ref: string, meta: AliasMeta): Promise<AliasChange | undefined> {
    await this.resolve(name, ref); // fail before taking the lock when the model or ref does not exist
    return this.updateDocument(name, async (doc) => {
      const target = await this.resolveIn(name, ref, doc);
      return withAlias(doc, alias, target.version, meta, this.now().toISOString());
    });
  }

  async rollback(name: string, alias: string, meta?: AliasMeta): Promise<AliasChange> {
    const change = await this.updateDocument(name, async (doc) => {
      const update = withRollback(
        doc,
        alias,
        meta ?? { actor: this.options.actor ?? 'unknown' },
        this.now().toISOString(),
      );
      if (!(await this.readVersion(name, update.change!.to))) {
        throw new NotFoundError(
          name,
          versionLabel(update.change!.to),
          `cannot roll ${alias} back: the version is gone`,
        );
      }
      return update;
    });
    return change!;
  }

  private modelDir(name: string): string {
    checkModelName(name);
    return join(this.root, name);
  }

  /** Numbers of every v<N> folder, valid or not (a broken folder still takes its number). */
  private async versionNumbers(name: string): Promise<number[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.modelDir(name), { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT')) return [];
      throw error;
    }
    const numbers: number[] = [];
    for (const entry of entries) {
      const match = VERSION_DIR.exec(entry.name);
      if (match && entry.isDirectory()) numbers.push(Number(match[1]));
    }
    return numbers.sort((a, b) => a - b);
  }

  /** The version in folder v<number>, or undefined (with a warning) when it is missing or not a valid version. */
  private async readVersion(name: string, number: number): Promise<ModelVersion | undefined> {
    const location = join(this.modelDir(name), versionLabel(number));
    const cardPath = join(location, CARD_JSON_FILE);
    let text: string;
    try {
      text = await readFile(cardPath, 'utf8');
    } catch (error) {
      if (!isCode(error, 'ENOENT', 'ENOTDIR')) throw error;
      const folder = await stat(location).catch(() => undefined);
      if (folder?.isDirectory()) this.warn(`${location}: no ${CARD_JSON_FILE}; skipped (not a registry version)`);
      return undefined;
    }
    try {
      const card = parseCard(text, cardPath);
      if (card.name !== name || card.version !== number) {
        throw new RegistryError(`${cardPath}: card says ${card.name} v${card.version}`);
      }
      return { name, version: number, card, location };
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      this.warn(`${error.message}; skipped`);
      return undefined;
    }
  }

  private async resolveIn(name: string, ref: string, doc: RegistryDocument): Promise<ModelVersion> {
    const parsed = parseRef(ref);
    let number: number | undefined;
    if (parsed.kind === 'version') number = parsed.version;
    else if (parsed.kind === 'alias') {
      number = doc.aliases[parsed.alias];
      if (number === undefined) throw new NotFoundError(name, ref, 'no such alias');
    } else {
      const versions = await this.list(name);
      if (versions.length === 0) throw new NotFoundError(name, ref, 'the model has no versions');
      return versions[versions.length - 1];
    }
    const version = await this.readVersion(name, number);
    if (!version) throw new NotFoundError(name, ref, `no version ${versionLabel(number)} in ${this.modelDir(name)}`);
    return version;
  }

  private async readDocument(name: string): Promise<RegistryDocument> {
    const path = join(this.modelDir(name), REGISTRY_FILE);
    try {
      return parseRegistryDocument(await readFile(path, 'utf8'), name, path);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return emptyDocument(name);
      throw error;
    }
  }

  /** Read-modify-write registry.json under the lock; writes only when `update` returns a change (or `dirty`). */
  private async updateDocument(name: string, update: (doc: RegistryDocument) => Promise<DocumentUpdate>) {
    const modelDir = this.modelDir(name);
    return withLock(join(modelDir, LOCK_FILE), async () => {
      const result = await update(await this.readDocument(name));
      if (result.change || result.dirty)
        await replaceFileAtomic(join(modelDir, REGISTRY_FILE), serializeRegistryDocument(result.doc));
      return result.change;
    });
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.onWarning(message);
  }
}

/** rename(temp, final) unless `final` exists; false means another publisher took the number first. */
async function renameUnlessTaken(temp: string, final: string): Promise<boolean> {
  try {
    await rename(temp, final);
    return true;
  } catch (error) {
    // Linux: ENOTEMPTY/EEXIST; Windows: EPERM when the target folder exists (else a real permission error).
    if (isCode(error, 'ENOTEMPTY', 'EEXIST')) return false;
    if (isCode(error, 'EPERM') && (await stat(final).catch(() => undefined))) return false;
    throw error;
  }
}

/** Run keys become part of cards and lookups; they must be non-empty text. */
export function checkRunKey(runKey: string): void {
  if (typeof runKey !== 'string' || runKey.trim() === '') {
    throw new RegistryError(
      'publish needs options.runKey: a non-empty id of the pipeline run (for idempotent re-runs)',
    );
  }
}
