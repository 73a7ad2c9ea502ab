/**
 * Test helper: a `build` function like the register stage's, producing a version's files with the version
 * baked into the model bytes and the card. The registry treats model.onnx as opaque bytes, so the model here is
 * a short byte string rather than a real ONNX graph.
 */
import { digestOf } from '../../src/registry/card.ts';
import type { BuildVersion, PublishFiles } from '../../src/registry/types.ts';

export interface RecordingBuild {
  readonly build: BuildVersion;
  /** Version numbers build was called with, in order. */
  readonly calls: number[];
}

/** Files of `name` version `version` for run `runKey`. */
export function versionFiles(name: string, version: number, runKey: string): PublishFiles {
  const model = new TextEncoder().encode(`ONNX bytes of ${name} v${version} from ${runKey}\n`.repeat(20));
  const cardMd = `# ${name} v${version}\n\nRun ${runKey}.\n`;
  const card = {
    name,
    version,
    created_at: '2026-11-25T12:00:00.000Z',
    run_key: runKey,
    parent_version: version > 1 ? version - 1 : null,
    assets: { 'model.onnx': digestOf(model), 'card.md': digestOf(new TextEncoder().encode(cardMd)) },
    metrics: { accuracy: 0.97 },
  };
  return { model, card, cardMd };
}

/** A build that records its calls; `gate` (optional) is awaited before returning, to line up races. */
export function recordingBuild(
  name: string,
  runKey: string,
  gate?: (version: number) => Promise<void>,
): RecordingBuild {
  const calls: number[] = [];
  return {
    calls,
    build: async (version) => {
      calls.push(version);
      await gate?.(version);
      return versionFiles(name, version, runKey);
    },
  };
}

/** Resolves once `count` callers have arrived (for version `version`); later callers pass straight through. */
export function barrier(count: number, version = 1): (v: number) => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async (v) => {
    if (v !== version) return;
    arrived++;
    if (arrived === count) release();
    await all;
  };
}
