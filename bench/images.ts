/**
 * Container images: the serving image's size and build time against the Dockerfile before it was slimmed
 * (BASELINE_REF, default 6715a05: the single node:24-bookworm-slim stage with every production dependency),
 * measured in the same run with the same two models; the pipeline image's size; and the golden-request check
 * (infra validation) of the serving image: `docker run` to ready, then the 16 requests.
 *
 *   npx tsx bench/images.ts            (needs Docker; RUNS=3 golden checks per image)
 *
 * Build times: the first build of each Dockerfile warms its layer cache (it is reported but depends on what the
 * daemon already holds); the second, with another model, is the "warm cache" build a CD run pays on a hit.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGoldenSet, checkImage, writeGoldenSet } from '../src/golden/index.ts';
import { predict } from '../src/model/predict.ts';
import { buildModel, REPO } from '../test/serve/models.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const BASELINE_REF = process.env.BASELINE_REF ?? '6715a05';
const root = join(REPO, 'build', `bench-images-${process.pid}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sizeMb = (tag: string) =>
  Number(execFileSync('docker', ['image', 'inspect', tag, '--format', '{{.Size}}'], { encoding: 'utf8' })) / 1e6;

function timedBuild(args: string[]): number {
  const ca = join(REPO, '.build-ca.pem');
  if (process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS))
    cpSync(process.env.NODE_EXTRA_CA_CERTS, ca);
  const start = performance.now();
  try {
    execFileSync('docker', ['build', ...args, REPO], { stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(ca, { force: true });
  }
  return (performance.now() - start) / 1000;
}

execFileSync('bash', [join(REPO, 'scripts/docker/base-image.sh')], { stdio: 'inherit' });
const baselineDockerfile = join(root, 'baseline.Dockerfile');
const models = [];
for (const [version, nTrees] of [
  [1, 20],
  [2, 30],
] as const) {
  const dir = join(root, `model-${version}`);
  const model = await buildModel(
    { name: 'penguins', version, target: 'species', task: 'classification', algorithm: 'gbdt', nTrees },
    dir,
  );
  const golden = buildGoldenSet({
    modelName: 'penguins',
    signature: model.signature,
    table: model.holdout,
    predictions: predict(model.model, model.holdout),
    tolerance: 1e-5,
  });
  writeGoldenSet(join(dir, 'golden.json'), golden);
  models.push({ version, dir, golden });
}
writeFileSync(baselineDockerfile, execFileSync('git', ['-C', REPO, 'show', `${BASELINE_REF}:Dockerfile`]));

const rows: string[] = [];
const result: Record<string, { builds: number[]; size: number }> = {};
for (const [label, file] of [
  ['baseline', baselineDockerfile],
  ['serving', join(REPO, 'Dockerfile')],
] as const) {
  const builds: number[] = [];
  for (const model of models) {
    const rel = model.dir.slice(REPO.length + 1);
    builds.push(
      timedBuild(['-f', file, '--build-arg', `MODEL_DIR=${rel}`, '--tag', `conveyor-bench-${label}:${model.version}`]),
    );
  }
  result[label] = { builds, size: sizeMb(`conveyor-bench-${label}:2`) };
}
const pipelineBuild = timedBuild(['-f', join(REPO, 'docker/pipeline.Dockerfile'), '--tag', 'conveyor-bench-pipeline']);
const pipelineSize = sizeMb('conveyor-bench-pipeline');

const starts: number[] = [];
const checks: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const checked = await checkImage({ image: 'conveyor-bench-serving:2', golden: models[1]!.golden });
  if (!checked.report.ok) throw new Error('the golden check failed');
  starts.push(checked.startMs);
  checks.push(checked.checkMs);
}

const { baseline, serving } = result as Record<'baseline' | 'serving', { builds: number[]; size: number }>;
rows.push(
  `| serving image size | ${serving.size.toFixed(1)} MB | ${baseline.size.toFixed(1)} MB | ${(serving.size / baseline.size).toFixed(2)}× |`,
  `| build, first (cache as found) | ${serving.builds[0]!.toFixed(1)} s | ${baseline.builds[0]!.toFixed(1)} s | ${(serving.builds[0]! / baseline.builds[0]!).toFixed(2)}× |`,
  `| build, warm cache (another model) | ${serving.builds[1]!.toFixed(1)} s | ${baseline.builds[1]!.toFixed(1)} s | ${(serving.builds[1]! / baseline.builds[1]!).toFixed(2)}× |`,
  `| pipeline image size | ${pipelineSize.toFixed(1)} MB | | |`,
  `| pipeline image build (cache as found) | ${pipelineBuild.toFixed(1)} s | | |`,
  `| golden check: docker run → ready (median of ${RUNS}) | ${(median(starts) / 1000).toFixed(2)} s | | |`,
  `| golden check: 16 requests answered and compared (median) | ${median(checks).toFixed(0)} ms | | |`,
);
console.log(['| | Conveyor | baseline | ratio |', '| --- | ---: | ---: | ---: |', ...rows].join('\n'));
execFileSync(
  'docker',
  [
    'rmi',
    '-f',
    'conveyor-bench-baseline:1',
    'conveyor-bench-baseline:2',
    'conveyor-bench-serving:1',
    'conveyor-bench-serving:2',
    'conveyor-bench-pipeline',
  ],
  { stdio: 'ignore' },
);
rmSync(root, { recursive: true, force: true });
