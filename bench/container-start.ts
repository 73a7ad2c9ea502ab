/**
 * The serving image's start-up against the local server's (issue 15: "the same lazy loading must make the container
 * ready as fast as the local server"). In rounds, each start timed from spawn to the first 200 from
 * /v2/health/ready (polled every 5 ms):
 *   - floor: a bare node:http server started in the same image (`docker run --entrypoint node`), i.e. what Docker
 *     and Node cost before any Conveyor code runs;
 *   - the serving image as CD runs it;
 *   - `conveyor serve` on this machine (bin/conveyor.js), and the image's own entry (docker/serve.mjs) on this
 *     machine, both under --node (default .cache/node/24/bin/node, the image's Node major).
 * Container minus floor is the server's own start inside the image, comparable with the local starts.
 *
 *   npx tsx bench/container-start.ts [--runs 6] [--node PATH]     (needs Docker)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { probe } from '../src/golden/index.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { buildModel, REPO } from '../test/serve/models.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '6' }, node: { type: 'string', default: '.cache/node/24/bin/node' } },
});
const runs = Number(values.runs);
const node = join(REPO, values.node!);
const root = join(REPO, 'build', `bench-container-start-${process.pid}`);
const tag = `conveyor-bench-start:${process.pid}`;

/** Starts something listening on `port`, returns seconds from spawn to the first 200 on /v2/health/ready. */
async function timeToReady(start: (port: number) => ChildProcess, stop: () => void): Promise<number> {
  const port = await freePort();
  const begun = performance.now();
  const child = start(port);
  try {
    const deadline = begun + 60_000;
    while ((await probe(`http://127.0.0.1:${port}/v2/health/ready`)) !== 200) {
      if (performance.now() > deadline) throw new Error('not ready after 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    return (performance.now() - begun) / 1000;
  } finally {
    child.kill('SIGKILL');
    stop();
  }
}

const modelDir = join(root, 'model');
await buildModel(
  { name: 'penguins', version: 1, target: 'species', task: 'classification', algorithm: 'gbdt', nTrees: 100 },
  modelDir,
);
execFileSync('bash', [join(REPO, 'scripts/docker/base-image.sh')], { stdio: 'inherit' });
execFileSync('bash', [join(REPO, 'scripts/docker/build-image.sh'), modelDir, tag], {
  stdio: ['ignore', 'ignore', 'inherit'],
});

// Host networking: Docker's port proxy accepts connections before the server in the container listens (and then
// drops them), which would time the proxy, not the server; on the host network the server's own socket answers.
const container = (name: string, args: (port: number) => string[]) => (port: number) =>
  spawn('docker', ['run', '--rm', '--name', name, '--network', 'host', ...args(port)], { stdio: 'ignore' });
const removeContainer = (name: string) => () => {
  execFileSync('docker', ['rm', '--force', name], { stdio: 'ignore' });
};
const floorServer = (port: number) =>
  `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
const local = (args: string[]) => (port: number) =>
  spawn(node, [...args, '--model-dir', modelDir, '--host', '127.0.0.1', '--port', String(port)], {
    cwd: REPO,
    stdio: 'ignore',
  });

const cases: [string, (port: number) => ChildProcess, string][] = [
  [
    'floor: bare node:http in the image',
    container(`bench-floor-${process.pid}`, (port) => ['--entrypoint', 'node', tag, '-e', floorServer(port)]),
    `bench-floor-${process.pid}`,
  ],
  [
    'serving image → ready',
    container(`bench-serve-${process.pid}`, (port) => [
      tag,
      ...['node', 'docker/serve.mjs', '--model-dir', '/models', '--host', '127.0.0.1', '--port', String(port)],
    ]),
    `bench-serve-${process.pid}`,
  ],
  ['local: conveyor serve (bin/conveyor.js)', local(['bin/conveyor.js', 'serve']), ''],
  ['local: docker/serve.mjs (the image entry)', local(['docker/serve.mjs']), ''],
];
const times = new Map<string, number[]>(cases.map(([label]) => [label, []]));
try {
  for (let round = -1; round < runs; round++) {
    for (const [label, start, name] of cases) {
      const seconds = await timeToReady(start, name ? removeContainer(name) : () => {});
      if (round >= 0) times.get(label)!.push(seconds); // round -1 warms caches (strip cache, page cache)
    }
  }
} finally {
  execFileSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
}
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const floor = median(times.get(cases[0]![0])!);
console.log(
  `${new Date().toISOString().slice(0, 10)} · Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()} locally · ${runs} rounds after one warm-up\n`,
);
console.log('| start | min s | median s | max s | median − container floor s |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [label] of cases) {
  const xs = sorted(times.get(label)!);
  const above = label.startsWith('serving image') ? (median(xs) - floor).toFixed(3) : '';
  console.log(`| ${label} | ${xs[0]!.toFixed(3)} | ${median(xs).toFixed(3)} | ${xs.at(-1)!.toFixed(3)} | ${above} |`);
}
