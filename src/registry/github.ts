/**
 * GitHub Releases backend (through @actions/github's Octokit).
 *
 * Versions: one release per version, tag `<name>/v<N>` on the run's commit, name `<name> v<N>`, body = card.md,
 * assets model.onnx, card.md, card.json. A publish creates a DRAFT (drafts are invisible to readers and create no
 * tag), uploads, lists the assets back and checks sizes, GitHub's digests and a downloaded sha256, then publishes
 * the draft. Any failure deletes the draft. Losing the race for N (the tag or a published release appears first,
 * or GitHub answers 422 already_exists) deletes the draft and builds N+1.
 *
 * Aliases: a published release `<name>/registry` holds `aliases-<seq>.json` assets (the document of aliases.ts).
 * Readers take the highest uploaded seq. A writer uploads the next seq: GitHub refuses a second asset of the same
 * name (422), which makes the upload a compare-and-swap; the loser re-reads and re-applies its change. The last
 * few documents are kept so a reader that listed an older one can still download it.
 */
import { randomBytes } from 'node:crypto';
import type { getOctokit } from '@actions/github';
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
import {
  type AssetBytes,
  CARD_JSON_FILE,
  CARD_MD_FILE,
  digestOf,
  type EncodedVersion,
  encodeVersion,
  GOLDEN_FILE,
  MODEL_FILE,
  parseCard,
  type RegistryCard,
} from './card.ts';
import { IntegrityError, NotFoundError, RegistryError } from './errors.ts';
import { checkRunKey } from './local.ts';
import { writePulledFiles } from './pull-files.ts';
import { checkModelName, parseRef, versionLabel } from './refs.ts';
import { DEFAULT_RETRY, type RetryOptions, withRetry } from './retry.ts';
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

type Octokit = ReturnType<typeof getOctokit>;
type Release = Awaited<ReturnType<Octokit['rest']['repos']['getRelease']>>['data'];
type ReleaseAsset = Release['assets'][number];

/** Marks drafts made by a publish (with its nonce), so abandoned ones can be told from a person's drafts. */
const DRAFT_MARKER = 'conveyor-publish';
const ALIASES_ASSET = /^aliases-([1-9][0-9]{0,9})\.json$/;
/** Request option that turns off the generic retry (uploads retry themselves, see upload()). */
const NO_RETRY = 'conveyorNoRetry';
/** Alias documents kept besides the newest. */
const KEEP_OLD_DOCUMENTS = 2;

export interface GitHubRegistryOptions {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  /** REST API root. Default https://api.github.com (GitHub Enterprise: https://HOST/api/v3). */
  readonly baseUrl?: string;
  /** Commit (sha or branch) new version tags point at, unless PublishOptions.commit says otherwise. */
  readonly commit?: string;
  /** Retry policy for 5xx, network errors and rate limits (see retry.ts); tests shorten the delays. */
  readonly retry?: Partial<RetryOptions>;
  /** Receives a message for each skipped release (e.g. one without card.json). Default: ignore. */
  readonly onWarning?: (message: string) => void;
  /** Clock for history timestamps and draft ages. Default: the system clock. */
  readonly now?: () => Date;
  /** Actor recorded by rollback when none is given. Default "unknown". */
  readonly actor?: string;
  /** Drafts left by a publish that died are deleted by later publishes once older than this (ms). Default 6 h. */
  readonly staleDraftMs?: number;
  /** Versions a publish may try before giving up on races. Default 20. */
  readonly maxPublishAttempts?: number;
  /** Parallel downloads when listing cards. Default 4. */
  readonly concurrency?: number;
}

/** Signals a lost race for a version number (handled inside publish). */
class VersionTaken extends Error {}

export class GitHubRegistry implements ModelRegistry {
  readonly backend = 'github';
  /** The REST client, made on first use: loading @actions/github costs ~0.3 s that local-registry commands skip. */
  private client: Promise<Octokit> | undefined;
  private readonly owner: string;
  private readonly repo: string;
  private readonly retry: RetryOptions;
  private readonly now: () => Date;
  private readonly warned = new Set<string>();
  /** card.json contents by asset id (an asset's bytes never change; a new upload gets a new id). */
  private readonly cards = new Map<number, { card: RegistryCard; bytes: Uint8Array }>();

  private readonly options: GitHubRegistryOptions;

  constructor(options: GitHubRegistryOptions) {
    this.options = options;
    if (!options.token) throw new RegistryError('the GitHub registry needs a token (GITHUB_TOKEN)');
    this.owner = options.owner;
    this.repo = options.repo;
    this.now = options.now ?? (() => new Date());
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** The REST client, with the bounded retry policy wrapped around every request but uploads. */
  private api(): Promise<Octokit> {
    this.client ??= this.createClient();
    return this.client;
  }

  private async createClient(): Promise<Octokit> {
    const { getOctokit } = await import('@actions/github');
    const options = this.options;
    const retry = this.retry;
    const octokit = getOctokit(options.token, {
      ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
      log: { debug: () => {}, info: () => {}, warn: (message: string) => this.warn(message), error: () => {} },
    });
    octokit.hook.wrap('request', (request, requestOptions) =>
      requestOptions.request?.[NO_RETRY]
        ? request(requestOptions)
        : withRetry(
            async () => request(requestOptions),
            retry,
            `GitHub ${requestOptions.method} ${requestUrl(octokit, requestOptions)}`,
          ),
    );
    return octokit;
  }

  async list(name: string): Promise<ModelVersion[]> {
    checkModelName(name);
    return this.versionsIn(name, await this.releases());
  }

  async resolve(name: string, ref: string): Promise<ModelVersion> {
    return (await this.resolveRelease(name, ref)).version;
  }

  async pull(name: string, ref: string, dir: string): Promise<PullResult> {
    const { version, release } = await this.resolveRelease(name, ref);
    const assets = new Map<string, Uint8Array>();
    for (const file of [MODEL_FILE, CARD_MD_FILE, ...(version.card.assets[GOLDEN_FILE] ? [GOLDEN_FILE] : [])]) {
      const asset = uploadedAsset(release, file);
      if (!asset) throw new RegistryError(`${release.html_url}: asset ${file} is missing`);
      assets.set(file, await this.download(asset));
    }
    // The card the version was resolved with, byte for byte (versionOf cached it by asset id).
    assets.set(CARD_JSON_FILE, this.cards.get(uploadedAsset(release, CARD_JSON_FILE)!.id)!.bytes);
    const files = await writePulledFiles(version, assets, dir, release.html_url);
    return { version, files };
  }

  async publish(name: string, build: BuildVersion, options: PublishOptions): Promise<PublishResult> {
    checkModelName(name);
    checkRunKey(options.runKey);
    const maxAttempts = this.options.maxPublishAttempts ?? 20;
    let lastTried = 0;
    let cleaned = false;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const releases = await this.releases();
      if (!cleaned) {
        await this.deleteAbandonedDrafts(name, releases);
        cleaned = true;
      }
      const existing = (await this.versionsIn(name, releases)).find((v) => v.card.run_key === options.runKey);
      if (existing) return { version: existing, created: false };
      const taken = [...this.versionReleases(name, releases).keys(), ...(await this.taggedNumbers(name))];
      const number = Math.max(lastTried, ...taken) + 1;
      options.onProgress?.({ step: 'build', version: number });
      const encoded = encodeVersion(await build(number), { name, version: number, runKey: options.runKey });
      try {
        const release = await this.publishVersion(name, number, encoded, options);
        return { version: { name, version: number, card: encoded.card, location: release.html_url }, created: true };
      } catch (error) {
        if (!(error instanceof VersionTaken)) throw error;
        options.onProgress?.({ step: 'race-lost', version: number });
        lastTried = number;
      }
    }
    throw new RegistryError(`model ${name}: publish lost the race for a version number ${maxAttempts} times`);
  }

  async aliases(name: string): Promise<Record<string, number>> {
    checkModelName(name);
    return (await this.readDocument(name)).doc.aliases;
  }

  async history(name: string): Promise<AliasChange[]> {
    checkModelName(name);
    return (await this.readDocument(name)).doc.history;
  }

  async recordImage(name: string, ref: string, image: ImageRecord): Promise<number> {
    checkModelName(name);
    const { version } = await this.resolve(name, ref);
    await this.updateDocument(name, async (doc) => withImage(doc, version, image));
    return version;
  }

  async images(name: string): Promise<Record<number, ImageRecord>> {
    checkModelName(name);
    return imagesOf((await this.readDocument(name)).doc);
  }

  async setAlias(name: string, alias: string, ref: string, meta: AliasMeta): Promise<AliasChange | undefined> {
    checkModelName(name);
    const parsed = parseRef(ref);
    // A version ref is resolved once; an alias ref is re-read with every attempt of the update.
    const fixed = parsed.kind === 'alias' ? undefined : await this.resolve(name, ref);
    return this.updateDocument(name, async (doc) => {
      let version = fixed?.version;
      if (version === undefined) {
        version = doc.aliases[ref];
        if (version === undefined) throw new NotFoundError(name, ref, 'no such alias');
      }
      return withAlias(doc, alias, version, meta, this.now().toISOString());
    });
  }

  async rollback(name: string, alias: string, meta?: AliasMeta): Promise<AliasChange> {
    checkModelName(name);
    const change = await this.updateDocument(name, async (doc) => {
      const update = withRollback(
        doc,
        alias,
        meta ?? { actor: this.options.actor ?? 'unknown' },
        this.now().toISOString(),
      );
      await this.resolve(name, versionLabel(update.change!.to)); // the target must still exist
      return update;
    });
    return change!;
  }

  // --- versions -------------------------------------------------------------------------------------------

  private async resolveRelease(name: string, ref: string): Promise<{ version: ModelVersion; release: Release }> {
    checkModelName(name);
    const parsed = parseRef(ref);
    let number: number;
    if (parsed.kind === 'latest') {
      const releases = await this.releases();
      const versions = await this.versionsIn(name, releases);
      const newest = versions.at(-1);
      if (!newest) throw new NotFoundError(name, ref, 'the model has no versions');
      number = newest.version;
    } else if (parsed.kind === 'alias') {
      const aliased = (await this.readDocument(name)).doc.aliases[parsed.alias];
      if (aliased === undefined) throw new NotFoundError(name, ref, 'no such alias');
      number = aliased;
    } else {
      number = parsed.version;
    }
    const tag = versionTag(name, number);
    const release = await this.releaseByTag(tag);
    const version = release ? await this.versionOf(name, number, release) : undefined;
    if (!release || !version) throw new NotFoundError(name, ref, `no release ${tag} with a model card`);
    return { version, release };
  }

  /** Create the draft, upload, verify, publish; deletes the draft on any failure. Throws VersionTaken on a race. */
  private async publishVersion(
    name: string,
    number: number,
    encoded: EncodedVersion,
    options: PublishOptions,
  ): Promise<Release> {
    const tag = versionTag(name, number);
    const cardMd = new TextDecoder().decode(encoded.assets.find((a) => a.name === CARD_MD_FILE)!.bytes);
    const commit = options.commit ?? this.options.commit;
    // Random bytes, not the seeded PRNG: nonces must differ between concurrent publishers that start alike.
    const nonce = randomBytes(8).toString('hex');
    let draft: Release;
    try {
      ({ data: draft } = await (await this.api()).rest.repos.createRelease({
        owner: this.owner,
        repo: this.repo,
        tag_name: tag,
        name: `${name} ${versionLabel(number)}`,
        body: `${cardMd}\n<!-- ${DRAFT_MARKER} ${nonce} -->\n`,
        draft: true,
        ...(commit ? { target_commitish: commit } : {}),
      }));
    } catch (error) {
      if (isAlreadyExists(error)) throw new VersionTaken(tag);
      throw error;
    }
    try {
      for (const asset of encoded.assets) {
        options.onProgress?.({ step: 'write', version: number, asset: asset.name });
        await this.upload(draft, asset, true);
      }
      options.onProgress?.({ step: 'verify', version: number });
      await this.verifyUploads(draft, encoded.assets);
      const tagTaken = (await this.releaseByTag(tag)) || (await this.taggedNumbers(name, tag)).length > 0;
      if (tagTaken) throw new VersionTaken(tag);
      options.onProgress?.({ step: 'commit', version: number });
      let published: Release;
      try {
        ({ data: published } = await (await this.api()).rest.repos.updateRelease({
          owner: this.owner,
          repo: this.repo,
          release_id: draft.id,
          draft: false,
          body: cardMd,
        }));
      } catch (error) {
        if (isAlreadyExists(error)) throw new VersionTaken(tag);
        throw error;
      }
      // Should GitHub ever let two releases publish one tag, the one it serves for the tag wins.
      const winner = await this.releaseByTag(tag);
      if (winner && winner.id !== published.id) throw new VersionTaken(tag);
      return published;
    } catch (error) {
      await this.deleteRelease(draft, error instanceof VersionTaken ? 'lost the race' : 'publish failed');
      throw error;
    }
  }

  /**
   * Upload one asset, retrying like any request. An upload that broke midway can leave an asset of that name
   * behind (state "open"), so with `replace` each retry first deletes same-named assets (the draft is ours).
   * Without `replace` a taken name surfaces as GitHub's 422 (the alias compare-and-swap relies on that).
   */
  private async upload(release: Release, asset: AssetBytes, replace: boolean): Promise<ReleaseAsset> {
    let attempt = 0;
    return withRetry(
      async () => {
        if (++attempt > 1 && replace) {
          for (const leftover of (await this.assetsOf(release)).filter((a) => a.name === asset.name)) {
            await (await this.api()).rest.repos.deleteReleaseAsset({
              owner: this.owner,
              repo: this.repo,
              asset_id: leftover.id,
            });
          }
        }
        const response = await (await this.api()).rest.repos.uploadReleaseAsset({
          owner: this.owner,
          repo: this.repo,
          release_id: release.id,
          name: asset.name,
          // Octokit types `data` as string; a Uint8Array body is sent as it is.
          data: asset.bytes as unknown as string,
          url: release.upload_url,
          // fetch sets content-length from the byte body (undici refuses one given by hand under Node 24).
          headers: { 'content-type': 'application/octet-stream' },
          request: { [NO_RETRY]: true },
        });
        return response.data;
      },
      this.retry,
      `GitHub upload of ${asset.name} to release ${release.id}`,
    );
  }

  /** List the draft's assets back: each expected one uploaded, right size and digest, and its bytes downloaded. */
  private async verifyUploads(release: Release, expected: readonly AssetBytes[]): Promise<void> {
    const assets = await this.assetsOf(release);
    for (const want of expected) {
      const digest = digestOf(want.bytes);
      const asset = assets.find((a) => a.name === want.name && a.state === 'uploaded');
      if (!asset) throw new RegistryError(`${release.html_url}: ${want.name} is not listed after its upload`);
      const where = `${release.html_url} (draft)`;
      const reported = asset.digest?.startsWith('sha256:') ? asset.digest.slice(7) : undefined;
      if (asset.size !== digest.bytes || (reported !== undefined && reported !== digest.sha256)) {
        throw new IntegrityError(want.name, digest, { sha256: reported ?? '(not reported)', bytes: asset.size }, where);
      }
      const actual = digestOf(await this.download(asset));
      if (actual.sha256 !== digest.sha256 || actual.bytes !== digest.bytes) {
        throw new IntegrityError(want.name, digest, actual, where);
      }
    }
    for (const extra of assets.filter((a) => !expected.some((want) => want.name === a.name))) {
      await (await this.api()).rest.repos.deleteReleaseAsset({
        owner: this.owner,
        repo: this.repo,
        asset_id: extra.id,
      });
    }
  }

  /** Delete drafts a publish of `name` left behind (process killed, draft deletion failed) once they are stale. */
  private async deleteAbandonedDrafts(name: string, releases: readonly Release[]): Promise<void> {
    const staleMs = this.options.staleDraftMs ?? 6 * 3600_000;
    const pattern = versionTagPattern(name);
    for (const release of releases) {
      if (!release.draft || !pattern.test(release.tag_name) || !release.body?.includes(`<!-- ${DRAFT_MARKER} `))
        continue;
      if (this.now().getTime() - Date.parse(release.created_at) <= staleMs) continue;
      await this.deleteRelease(release, 'abandoned by an earlier publish');
    }
  }

  private async deleteRelease(release: Release, why: string): Promise<void> {
    try {
      await (await this.api()).rest.repos.deleteRelease({ owner: this.owner, repo: this.repo, release_id: release.id });
    } catch (error) {
      this.warn(
        `could not delete draft release ${release.id} (${release.tag_name}, ${why}): ${(error as Error).message}; ` +
          'drafts are invisible to readers and a later publish removes it',
      );
    }
  }

  /** Every release of the repository, drafts included (the token needs push access to see drafts). */
  private async releases(): Promise<Release[]> {
    const api = await this.api();
    return api.paginate(api.rest.repos.listReleases, {
      owner: this.owner,
      repo: this.repo,
      per_page: 100,
    });
  }

  /** Published releases of `name`'s versions by number; of two for one tag, the older release counts. */
  private versionReleases(name: string, releases: readonly Release[]): Map<number, Release> {
    const pattern = versionTagPattern(name);
    const byNumber = new Map<number, Release>();
    for (const release of releases) {
      const match = pattern.exec(release.tag_name);
      if (!match || release.draft) continue;
      const number = Number(match[1]);
      const other = byNumber.get(number);
      if (other) this.warn(`releases ${other.id} and ${release.id} both have tag ${release.tag_name}; using the older`);
      if (!other || release.id < other.id) byNumber.set(number, release);
    }
    return byNumber;
  }

  private async versionsIn(name: string, releases: readonly Release[]): Promise<ModelVersion[]> {
    const entries = [...this.versionReleases(name, releases)].sort(([a], [b]) => a - b);
    const versions = await mapLimit(entries, this.options.concurrency ?? 4, ([number, release]) =>
      this.versionOf(name, number, release),
    );
    return versions.filter((version): version is ModelVersion => version !== undefined);
  }

  /** The version a release holds, or undefined (with a warning) when it has no valid card.json. */
  private async versionOf(name: string, number: number, release: Release): Promise<ModelVersion | undefined> {
    const asset = uploadedAsset(release, CARD_JSON_FILE);
    if (!asset) {
      this.warn(`release ${release.tag_name} (${release.html_url}) has no ${CARD_JSON_FILE}; skipped (made by hand?)`);
      return undefined;
    }
    let cached = this.cards.get(asset.id);
    if (!cached) {
      const bytes = await this.download(asset);
      try {
        const card = parseCard(new TextDecoder().decode(bytes), `${release.html_url} ${CARD_JSON_FILE}`);
        if (card.name !== name || card.version !== number) {
          throw new RegistryError(`${release.html_url}: card says ${card.name} v${card.version}`);
        }
        cached = { card, bytes };
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        this.warn(`${error.message}; skipped`);
        return undefined;
      }
      this.cards.set(asset.id, cached);
    }
    return { name, version: number, card: cached.card, location: release.html_url };
  }

  /** Version numbers that have a git tag (`exact`: only that tag) — a tag can outlive a deleted release. */
  private async taggedNumbers(name: string, exact?: string): Promise<number[]> {
    const api = await this.api();
    const refs = await api.paginate(api.rest.git.listMatchingRefs, {
      owner: this.owner,
      repo: this.repo,
      ref: `tags/${exact ?? `${name}/v`}`,
    });
    const pattern = versionTagPattern(name);
    const numbers: number[] = [];
    for (const ref of refs) {
      const tag = ref.ref.replace(/^refs\/tags\//, '');
      const match = pattern.exec(tag);
      if (match && (exact === undefined || tag === exact)) numbers.push(Number(match[1]));
    }
    return numbers;
  }

  // --- aliases --------------------------------------------------------------------------------------------

  /** The newest alias document (empty when there is none yet), its release and the highest seq in use. */
  private async readDocument(
    name: string,
  ): Promise<{ doc: RegistryDocument; release?: Release; seq: number; bytes?: Uint8Array; maxSeq: number }> {
    for (let attempt = 1; ; attempt++) {
      const release = await this.releaseByTag(registryTag(name));
      if (!release) return { doc: emptyDocument(name), seq: 0, maxSeq: 0 };
      const documents = aliasDocuments(release);
      const maxSeq = Math.max(0, ...documents.map((d) => d.seq));
      const newest = documents.filter((d) => d.asset.state === 'uploaded').at(-1);
      if (!newest) return { doc: emptyDocument(name), release, seq: 0, maxSeq };
      try {
        const bytes = await this.download(newest.asset);
        const where = `${release.html_url} ${newest.asset.name}`;
        return {
          doc: parseRegistryDocument(new TextDecoder().decode(bytes), name, where),
          release,
          seq: newest.seq,
          bytes,
          maxSeq,
        };
      } catch (error) {
        // A writer may have deleted this document between our listing and download: list again.
        if (!hasStatus(error, 404) || attempt >= 3) throw error;
      }
    }
  }

  /** Read-modify-write the alias document (compare-and-swap on the asset name; see the file comment). */
  private async updateDocument(
    name: string,
    update: (doc: RegistryDocument) => Promise<DocumentUpdate>,
  ): Promise<AliasChange | undefined> {
    let pending: { seq: number; bytes: Uint8Array; change: AliasChange | undefined } | undefined;
    for (let attempt = 1; attempt <= 10; attempt++) {
      const state = await this.readDocument(name);
      if (pending && state.release && (await this.holdsDocument(state, pending.seq, pending.bytes))) {
        // Our upload went through although its response was lost (the retry saw 422): do not apply it twice.
        await this.trimDocuments(state.release, Math.max(state.seq, pending.seq));
        return pending.change;
      }
      const result = await update(state.doc);
      if (!result.change && !result.dirty) return undefined;
      const release = state.release ?? (await this.createRegistryRelease(name));
      const seq = state.maxSeq + 1;
      const bytes = serializeRegistryDocument(result.doc);
      pending = { seq, bytes, change: result.change };
      try {
        const uploaded = await this.upload(release, { name: `aliases-${seq}.json`, bytes }, false);
        if (uploaded.size !== bytes.byteLength) {
          throw new RegistryError(`${release.html_url}: aliases-${seq}.json has ${uploaded.size} bytes after upload`);
        }
      } catch (error) {
        // 422: the name is taken — another writer got this seq first, or our own earlier attempt did (checked above).
        if (hasStatus(error, 422)) continue;
        throw error;
      }
      await this.trimDocuments(release, seq);
      return result.change;
    }
    throw new RegistryError(`model ${name}: could not update the aliases (too many concurrent updates); try again`);
  }

  /** True when the registry release holds `bytes` as the uploaded aliases-<seq>.json. */
  private async holdsDocument(
    state: { release?: Release; seq: number; bytes?: Uint8Array },
    seq: number,
    bytes: Uint8Array,
  ): Promise<boolean> {
    if (state.seq === seq && state.bytes) return equalBytes(state.bytes, bytes);
    const asset = state.release?.assets.find((a) => a.name === `aliases-${seq}.json` && a.state === 'uploaded');
    return asset !== undefined && equalBytes(await this.download(asset), bytes);
  }

  /** Delete alias documents below `seq` except the newest few uploaded ones (broken uploads always go). */
  private async trimDocuments(release: Release, seq: number): Promise<void> {
    const fresh = await (await this.api()).rest.repos.getRelease({
      owner: this.owner,
      repo: this.repo,
      release_id: release.id,
    });
    const older = aliasDocuments(fresh.data).filter((d) => d.seq < seq);
    const kept = older.filter((d) => d.asset.state === 'uploaded').slice(-KEEP_OLD_DOCUMENTS);
    for (const { asset } of older.filter((d) => !kept.includes(d))) {
      try {
        await (await this.api()).rest.repos.deleteReleaseAsset({
          owner: this.owner,
          repo: this.repo,
          asset_id: asset.id,
        });
      } catch (error) {
        if (!hasStatus(error, 404)) throw error; // a concurrent writer deleted it already
      }
    }
  }

  private async createRegistryRelease(name: string): Promise<Release> {
    const tag = registryTag(name);
    try {
      const { data } = await (await this.api()).rest.repos.createRelease({
        owner: this.owner,
        repo: this.repo,
        tag_name: tag,
        name: `${name} registry`,
        body:
          `Aliases and alias history of model ${name}, kept by Conveyor as aliases-<seq>.json assets ` +
          '(the highest seq is current). Do not edit by hand; use `conveyor registry`.',
        draft: false,
        make_latest: 'false',
        ...(this.options.commit ? { target_commitish: this.options.commit } : {}),
      });
      return data;
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      const existing = await this.releaseByTag(tag);
      if (!existing) throw error;
      return existing;
    }
  }

  // --- plumbing -------------------------------------------------------------------------------------------

  /** The published release with `tag`, or undefined. */
  private async releaseByTag(tag: string): Promise<Release | undefined> {
    try {
      return (await (await this.api()).rest.repos.getReleaseByTag({ owner: this.owner, repo: this.repo, tag })).data;
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  }

  private async assetsOf(release: Release): Promise<ReleaseAsset[]> {
    const api = await this.api();
    return api.paginate(api.rest.repos.listReleaseAssets, {
      owner: this.owner,
      repo: this.repo,
      release_id: release.id,
      per_page: 100,
    });
  }

  /** The bytes of an asset (the API redirects to storage; fetch follows). */
  private async download(asset: ReleaseAsset): Promise<Uint8Array> {
    const { data } = await (await this.api()).rest.repos.getReleaseAsset({
      owner: this.owner,
      repo: this.repo,
      asset_id: asset.id,
      headers: { accept: 'application/octet-stream' },
    });
    const body = data as unknown;
    if (body instanceof ArrayBuffer) return new Uint8Array(body);
    if (typeof body === 'string') return new TextEncoder().encode(body);
    throw new RegistryError(`asset ${asset.name} (${asset.id}): expected its bytes, got ${typeof body}`);
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning?.(message);
  }
}

/** `<name>/v<N>`: the tag of a version. */
export function versionTag(name: string, version: number): string {
  return `${name}/${versionLabel(version)}`;
}

/** `<name>/registry`: the tag of the release holding the alias documents. */
export function registryTag(name: string): string {
  return `${name}/registry`;
}

function versionTagPattern(name: string): RegExp {
  return new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/v([1-9][0-9]{0,8})$`);
}

function uploadedAsset(release: Release, name: string): ReleaseAsset | undefined {
  return release.assets.find((asset) => asset.name === name && asset.state === 'uploaded');
}

function aliasDocuments(release: Release): { asset: ReleaseAsset; seq: number }[] {
  return release.assets
    .map((asset) => ({ asset, match: ALIASES_ASSET.exec(asset.name) }))
    .filter((entry) => entry.match !== null)
    .map(({ asset, match }) => ({ asset, seq: Number(match![1]) }))
    .sort((a, b) => a.seq - b.seq);
}

function hasStatus(error: unknown, status: number): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === status;
}

/** GitHub's 422 "already_exists" (a tag with a release, an asset name in a release). */
function isAlreadyExists(error: unknown): boolean {
  if (!hasStatus(error, 422)) return false;
  const data = (error as { response?: { data?: { errors?: { code?: string }[] } } }).response?.data;
  return data?.errors?.some((e) => e.code === 'already_exists') ?? false;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((value, i) => value === b[i]);
}

/** Map with at most `limit` calls in flight, results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The request's full URL (the endpoint template expanded with its parameters), for error messages. */
function requestUrl(octokit: Octokit, options: Parameters<Octokit['request']['endpoint']['parse']>[0]): string {
  try {
    return octokit.request.endpoint.parse(options).url;
  } catch {
    return String((options as { url?: unknown }).url);
  }
}
