/**
 * The model card is built by a pure function from the run's values (no files, no registry): the register stage
 * only gathers them. Here the values come from a real run folder, then the card is rebuilt in memory.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildModelCard,
  CARD_ANOMALY_MESSAGES,
  type CardInputs,
  formatCardSummary,
  type ModelCard,
  modelCardSchema,
  renderCardMarkdown,
} from '../../src/card/index.ts';
import { readOnnxInfo } from '../../src/model/onnx.ts';
import { readArtifact, runPipeline } from '../../src/pipeline/index.ts';
import { buildRunReport, readRunFiles, reportFromCard } from '../../src/report/index.ts';
import { LOCAL_ENV, penguinsConfig, type ScratchRepo, scratchRepo } from '../pipeline/repo.ts';

let repo: ScratchRepo;
let inputs: CardInputs;
let registered: ModelCard;

beforeAll(async () => {
  repo = scratchRepo();
  repo.write('conveyor.yml', penguinsConfig());
  const { runDir } = await runPipeline({ configFile: 'conveyor.yml', cwd: repo.dir, runDir: 'runs/a', env: LOCAL_ENV });
  registered = await readArtifact(runDir, 'card');
  const onnx = await readArtifact(runDir, 'onnx');
  const info = readOnnxInfo(onnx);
  const record = await readArtifact(runDir, 'run');
  inputs = {
    name: 'penguins',
    version: 1,
    createdAt: new Date('2026-12-01T10:00:00Z'),
    runKey: registered.run_key,
    parentVersion: null,
    conveyorVersion: record.conveyor_version,
    git: record.git,
    github: record.github,
    pipelineImage: record.pipeline_image ?? null,
    config: await readArtifact(runDir, 'config'),
    trainer: { params: registered.trainer.params, summary: (await readArtifact(runDir, 'training')).summary },
    data: await readArtifact(runDir, 'data'),
    split: await readArtifact(runDir, 'split'),
    schema: await readArtifact(runDir, 'schema'),
    profile: await readArtifact(runDir, 'profile'),
    holdoutPredictions: await readArtifact(runDir, 'holdout-predictions'),
    validation: await readArtifact(runDir, 'validation'),
    evaluation: await readArtifact(runDir, 'evaluation'),
    baseline: null,
    blessing: await readArtifact(runDir, 'blessing'),
    parity: await readArtifact(runDir, 'parity'),
    onnx: { bytes: onnx, inputs: info.inputs, outputs: info.outputs },
    modelDigest: registered.model_digest!,
    stageDurationsMs: registered.stage_durations_ms,
  };
});

afterAll(() => repo.remove());

describe('buildModelCard', () => {
  it('builds the card register published, from values alone', () => {
    const { card } = buildModelCard(inputs);
    expect(modelCardSchema.parse(card)).toEqual(card);
    const { created_at, assets, ...rest } = card;
    expect(created_at).toBe('2026-12-01T10:00:00.000Z');
    const { created_at: _c, assets: registeredAssets, ...registeredRest } = registered;
    // The registered model.onnx carries its version in the metadata; the run's export says "unregistered".
    expect(rest).toEqual(registeredRest);
    expect(assets['model.onnx'].bytes).toBe(inputs.onnx.bytes.byteLength);
    expect(registeredAssets['model.onnx'].sha256).not.toBe(assets['model.onnx'].sha256);
  });

  it('lists the digest of its own Markdown, and is the same for the same inputs', () => {
    const first = buildModelCard(inputs);
    const sha = createHash('sha256').update(first.markdown).digest('hex');
    expect(first.card.assets['card.md']).toEqual({ sha256: sha, bytes: Buffer.byteLength(first.markdown) });
    expect(buildModelCard(inputs)).toEqual(first);
  });

  it(`keeps at most ${CARD_ANOMALY_MESSAGES} anomaly messages but the full counts`, () => {
    const anomaly = inputs.validation.anomalies[0] ?? {
      kind: 'drift',
      severity: 'warning',
      column: null,
      message: 'm',
    };
    const many = Array.from({ length: 70 }, (_, i) => ({ ...anomaly, message: `anomaly ${i}` }));
    const { card } = buildModelCard({
      ...inputs,
      validation: { ...inputs.validation, anomalies: many as never, warnings: 70 },
    });
    expect(card.data_validation.messages).toHaveLength(CARD_ANOMALY_MESSAGES);
    expect(card.data_validation.messages.at(-1)).toBe(`anomaly ${CARD_ANOMALY_MESSAGES - 1}`);
    expect(card.data_validation.warnings).toBe(70);
  });
});

describe('formatCardSummary', () => {
  it('shows version, aliases, metrics, blessing, lineage and assets in a few lines', () => {
    const text = formatCardSummary(registered, { aliases: ['production'], location: '/models/penguins/v1' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('penguins v1  [production]  penguins');
    expect(lines.map((l) => l.trim().split(' ')[0])).toEqual([
      'penguins',
      'created',
      'model',
      'metrics',
      'blessing',
      'lineage',
      'assets',
      'location',
    ]);
    expect(text).toMatch(/metrics {3}accuracy [\d.]+, .*macro_f1\* [\d.]+ .*\(\* primary; holdout of \d+ rows\)/);
    expect(text).toMatch(/blessing {2}blessed first model, thresholds only: \d+\/\d+ checks passed/);
    expect(text).toContain(`data ${registered.data.digest.slice(0, 12)} (3 files, 344 rows)`);
    expect(text).toMatch(/assets {4}model\.onnx [\d.]+ KiB sha256 [0-9a-f]{12}, card\.md/);
    expect(text.length).toBeLessThan(1500);
  });
});

describe('the pipeline image', () => {
  it('is named in run.json, the card, its Markdown, `registry show` and the run report when the run ran in one', async () => {
    const image = `ghcr.io/acme/ml-pipeline@sha256:${'ab'.repeat(32)}`;
    // Another description, so the model is a new version rather than "unchanged".
    repo.write('conveyor.yml', penguinsConfig('', 'penguins, trained in the pipeline image'));
    const { runDir } = await runPipeline({
      configFile: 'conveyor.yml',
      cwd: repo.dir,
      runDir: 'runs/in-image',
      env: { ...LOCAL_ENV, CONVEYOR_PIPELINE_IMAGE: image },
    });
    expect((await readArtifact(runDir, 'run')).pipeline_image).toBe(image);
    const card = await readArtifact(runDir, 'card');
    expect(card.pipeline_image).toBe(image);
    expect(renderCardMarkdown(card)).toContain(`| pipeline image | \`${image}\` |`);
    expect(formatCardSummary(card, { aliases: [], location: 'models/penguins/v2' })).toContain(
      `pipeline image ${image}`,
    );
    expect(buildRunReport(await readRunFiles(runDir)).lineage.image).toBe(image);
    expect(reportFromCard(card).lineage.image).toBe(image);
    // A run from a checkout names none.
    expect(registered.pipeline_image).toBeUndefined();
  });
});
