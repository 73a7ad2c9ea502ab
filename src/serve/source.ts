/** Resolving where the model comes from (a folder, a file, the registry) to files on disk. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../config/schema.ts';
import type { ModelFiles } from './model.ts';
import type { ModelSource } from './types.ts';

export interface ResolvedSource {
  readonly files: ModelFiles;
  /** Removes what resolving created (a temp folder of pulled files); the loaded model no longer needs it. */
  readonly cleanup: () => Promise<void>;
}

const nothing = async (): Promise<void> => {};

/**
 * Files of `source`: `dir` → dir/model.onnx (+ dir/card.json when present); `file` as given; `registry` →
 * pulled (and verified against the card) into `cacheDir`, or into a temp folder removed by `cleanup`.
 */
export async function resolveSource(source: ModelSource): Promise<ResolvedSource> {
  switch (source.kind) {
    case 'dir': {
      const card = join(source.path, 'card.json');
      return {
        files: { onnx: join(source.path, 'model.onnx'), ...(existsSync(card) ? { card } : {}) },
        cleanup: nothing,
      };
    }
    case 'file':
      return { files: { onnx: source.onnx, ...(source.card ? { card: source.card } : {}) }, cleanup: nothing };
    case 'registry': {
      // Loaded only here: the registry backends (Octokit among them) cost start-up time that a folder does not need.
      const { createRegistry } = await import('../registry/index.ts');
      const registry = createRegistry(
        source.registry ?? configSchema.shape.registry.parse({}),
        source.env ?? process.env,
      );
      const dir = source.cacheDir ?? (await mkdtemp(join(tmpdir(), 'conveyor-serve-')));
      try {
        const pulled = await registry.pull(source.name, source.ref, dir);
        return {
          files: { onnx: pulled.files.model, card: pulled.files.cardJson },
          cleanup: source.cacheDir ? nothing : () => rm(dir, { recursive: true, force: true }),
        };
      } catch (error) {
        if (!source.cacheDir) await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

/** One line naming the source, for logs. */
export function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case 'dir':
      return `folder ${source.path}`;
    case 'file':
      return `file ${source.onnx}`;
    case 'registry':
      return `registry ${source.registry?.backend ?? 'local'}: ${source.name}@${source.ref}`;
  }
}
