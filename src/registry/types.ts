/**
 * The model registry contract: numbered versions (v1, v2, …) per model name, each an immutable set of
 * files (model.onnx, card.json, card.md), plus movable aliases (e.g. `production`) with an append-only history.
 * Backends: a local folder (local.ts) and GitHub Releases (github.ts).
 */
import { z } from 'zod';
import type { RegistryCard } from './card.ts';

export type { RegistryCard } from './card.ts';

/** File names of a version's assets, the same in every backend. */
export const MODEL_FILE = 'model.onnx';
export const CARD_JSON_FILE = 'card.json';
export const CARD_MD_FILE = 'card.md';
/** Golden requests for infra validation (src/golden): optional, present in versions registered since export wrote it. */
export const GOLDEN_FILE = 'golden.json';

/** sha256 (lowercase hex) and size in bytes of a file. */
export interface AssetDigest {
  readonly sha256: string;
  readonly bytes: number;
}

/** One published version. */
export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  /** The card as stored (validated minimally; unknown keys kept). */
  readonly card: RegistryCard;
  /** Where it lives: the version folder (local) or the release page (GitHub). */
  readonly location: string;
}

/** What `build(version)` returns: the files of the version, with the version already baked in. */
export interface PublishFiles {
  /** Bytes of model.onnx. */
  readonly model: Uint8Array;
  /** The model card; name, version and run_key must match the publish, assets must hold model.onnx's digest. */
  readonly card: Record<string, unknown>;
  /** Markdown rendering of the card (card.md; also the release notes on GitHub). */
  readonly cardMd: string;
  /** Bytes of golden.json (infra validation's golden requests); when given, the card lists its digest. */
  readonly golden?: Uint8Array;
}

/** Progress of a publish, for logs and tests. */
export interface PublishProgress {
  readonly step: 'build' | 'write' | 'verify' | 'commit' | 'race-lost';
  readonly version: number;
  /** The file being written or uploaded (step `write`). */
  readonly asset?: string;
}

export interface PublishOptions {
  /** Identifies the pipeline run; publishing the same run again returns the version it already created. */
  readonly runKey: string;
  /** GitHub: commit (sha or branch) the version's tag is created on. Default: GITHUB_SHA, else the default branch. */
  readonly commit?: string;
  readonly onProgress?: (event: PublishProgress) => void;
}

export interface PublishResult {
  readonly version: ModelVersion;
  /** false when a version with the same run key already existed (a re-run) and nothing was published. */
  readonly created: boolean;
}

export interface PullResult {
  readonly version: ModelVersion;
  /** Absolute paths of the verified files written into the target folder. */
  readonly files: {
    readonly model: string;
    readonly cardJson: string;
    readonly cardMd: string;
    /** golden.json, when the version has one (the card lists it). */
    readonly golden?: string;
  };
}

/** Who moves an alias and why (kept in the history). */
export interface AliasMeta {
  readonly actor: string;
  readonly reason?: string;
  /**
   * Compare-and-swap: move the alias only if it points at this version now (null: only if it is unset);
   * otherwise AliasMovedError. Checked inside the backend's atomic update, so two writers cannot both win.
   */
  readonly expect?: number | null;
}

/**
 * One entry of the alias history (append-only). `from` is null when the alias is first set; `rollback`
 * entries undo the latest `set` that is still in effect (see aliasStack); `at` is ISO 8601.
 */
export const aliasChangeSchema = z
  .object({
    alias: z.string(),
    from: z.int().min(1).nullable(),
    to: z.int().min(1),
    at: z.iso.datetime({ offset: true }),
    actor: z.string(),
    reason: z.string().optional(),
    action: z.enum(['set', 'rollback']),
  })
  .strict();
export type AliasChange = Readonly<z.output<typeof aliasChangeSchema>>;

/** The serving image continuous delivery pushed for a version (`registry show` names it). */
export const imageRecordSchema = z
  .object({
    /** Repository without tag, e.g. ghcr.io/owner/repo-penguins. */
    reference: z.string().regex(/^[a-z0-9][a-z0-9._/:-]*$/, 'expected an image repository in lower case, no tag'),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>'),
    /** Tags it was pushed with (v3, staging, the commit). */
    tags: z.array(z.string()),
    pushed_at: z.iso.datetime({ offset: true }),
    actor: z.string().min(1),
  })
  .strict();
export type ImageRecord = z.output<typeof imageRecordSchema>;

/** Builds the files of a version once its number is known; may be called again with a higher number on a race. */
export type BuildVersion = (version: number) => Promise<PublishFiles>;

export interface ModelRegistry {
  readonly backend: 'local' | 'github';
  /** Published versions of `name`, ascending (empty when the model has none). */
  list(name: string): Promise<ModelVersion[]>;
  /** `v3`, `3`, `latest` or an alias → that version; NotFoundError when it names nothing. */
  resolve(name: string, ref: string): Promise<ModelVersion>;
  /** Write the version's files into `dir` (created if missing) after verifying them; nothing is written on mismatch. */
  pull(name: string, ref: string, dir: string): Promise<PullResult>;
  /** Publish the next version atomically; see BuildVersion and PublishOptions.runKey. */
  publish(name: string, build: BuildVersion, options: PublishOptions): Promise<PublishResult>;
  /** Current aliases: alias → version. */
  aliases(name: string): Promise<Record<string, number>>;
  /** Point `alias` at the version `ref` resolves to; undefined when it already points there (nothing recorded). */
  setAlias(name: string, alias: string, ref: string, meta: AliasMeta): Promise<AliasChange | undefined>;
  /** Move `alias` back to the version it pointed at before its latest set. */
  rollback(name: string, alias: string, meta?: AliasMeta): Promise<AliasChange>;
  /** Every alias change, oldest first. */
  history(name: string): Promise<AliasChange[]>;
  /** Record the serving image pushed for the version `ref` resolves to; returns that version number. */
  recordImage(name: string, ref: string, image: ImageRecord): Promise<number>;
  /** The recorded serving image of each version that has one. */
  images(name: string): Promise<Record<number, ImageRecord>>;
}
