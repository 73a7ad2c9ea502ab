import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { createRegistry } from '../../src/registry/index.ts';
import { type RunningServer, serveCli } from '../../src/serve/index.ts';
import { type BuiltModel, buildModel, cardFor, oipInputs, postJson } from './models.ts';

let root: string;
let v1: BuiltModel;
let v2: BuiltModel;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'conveyor-serve-cli-'));
  v1 = await buildModel(
    { name: 'penguins', version: 1, target: 'species', task: 'classification', algorithm: 'gbdt' },
    join(root, 'build-v1'),
  );
  v2 = await buildModel(
    { name: 'penguins', version: 2, target: 'species', task: 'classification', algorithm: 'linear' },
    join(root, 'build-v2'),
  );
  // A local registry with both versions; `production` points at v1.
  const registry = createRegistry(configSchema.shape.registry.parse({ backend: 'local', path: join(root, 'models') }));
  for (const model of [v1, v2]) {
    await registry.publish(
      'penguins',
      async (version) => ({
        model: model.onnx,
        card: cardFor(model.onnx, { name: 'penguins', version }),
        cardMd: '# penguins\n',
      }),
      { runKey: `test-penguins-${model === v1 ? 1 : 2}` },
    );
  }
  await registry.setAlias('penguins', 'production', 'v1', { actor: 'test' });
  writeFileSync(
    join(root, 'conveyor.yml'),
    [
      'model: { name: penguins }',
      'data: { path: data/*.csv, target: species }',
      `registry: { backend: local, path: ${JSON.stringify(join(root, 'models'))} }`,
      `serve: { port: 0, max_queue_delay_ms: 0, prediction_log: { path: ${JSON.stringify(join(root, 'logs', 'p.jsonl'))} } }`,
      '',
    ].join('\n'),
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts serveCli and resolves once it listens, with its exit promise and printed lines. */
async function runCli(args: string[]) {
  const signals = new EventEmitter();
  const lines: string[] = [];
  let listening: (server: RunningServer) => void = () => {};
  const started = new Promise<RunningServer>((resolve) => (listening = resolve));
  const exit = serveCli(args, { signals, print: (line) => lines.push(line), onListening: listening });
  const server = await Promise.race([
    started,
    exit.then((code) => Promise.reject(new Error(`exited ${code}: ${lines}`))),
  ]);
  return { server, exit, signals, lines };
}

async function servedVersion(server: RunningServer): Promise<string> {
  const response = await postJson(`${server.url}/v2/models/penguins/infer`, {
    inputs: oipInputs(v1.signature, v1.holdout, 0, 1),
  });
  expect(response.status).toBe(200);
  return response.body.model_version;
}

describe('conveyor serve', () => {
  it('serves the production alias from the registry, follows it on SIGHUP and on a load request, stops on SIGTERM', async () => {
    const { server, exit, signals, lines } = await runCli([
      '--config',
      join(root, 'conveyor.yml'),
      '--model',
      'penguins',
      '--log-level',
      'silent',
    ]);
    expect(lines[0]).toMatch(/^serving penguins v1 at http:\/\/127\.0\.0\.1:\d+$/);
    expect(await servedVersion(server)).toBe('v1');

    // Promote v2, then SIGHUP: the server pulls the alias again.
    const registry = createRegistry(
      configSchema.shape.registry.parse({ backend: 'local', path: join(root, 'models') }),
    );
    await registry.setAlias('penguins', 'production', 'v2', { actor: 'test' });
    signals.emit('SIGHUP');
    while (!lines.some((l) => l.startsWith('SIGHUP'))) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines.at(-1)).toBe('SIGHUP: now serving penguins v2');
    expect(await servedVersion(server)).toBe('v2');

    // The repository load request can pin another ref; a ref the registry does not have is a 404.
    const pinned = await postJson(`${server.url}/v2/repository/models/penguins/load`, { parameters: { ref: 'v1' } });
    expect(pinned).toMatchObject({ status: 200, body: { version: 'v1' } });
    expect(await servedVersion(server)).toBe('v1');
    const unknown = await postJson(`${server.url}/v2/repository/models/penguins/load`, { parameters: { ref: 'v9' } });
    expect(unknown.status).toBe(404);
    expect(await servedVersion(server)).toBe('v1');

    signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    expect(lines.at(-1)).toMatch(/^SIGTERM: finishing requests in flight/);
    expect(signals.listenerCount('SIGHUP')).toBe(0);
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow();
  });

  it('stops on SIGTERM within serve.drain_timeout_ms when a client never finishes its body, and exits 0', async () => {
    const config = join(root, 'drain.yml');
    writeFileSync(
      config,
      [
        'model: { name: penguins }',
        'data: { path: data/*.csv, target: species }',
        'serve: { port: 0, drain_timeout_ms: 200, prediction_log: { sample_rate: 0 } }',
        '',
      ].join('\n'),
    );
    const { server, exit, signals, lines } = await runCli([
      '--model-dir',
      v1.dir,
      '--config',
      config,
      '--log-level',
      'silent',
    ]);
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    // "Expect: 100-continue": the server answers 100 once it has the request, so it is in flight when SIGTERM comes.
    const accepted = new Promise<string>((resolve) => socket.once('data', (data) => resolve(data.toString())));
    socket.write(
      'POST /v2/models/penguins/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n',
    );
    expect(await accepted).toMatch(/^HTTP\/1\.1 100 Continue/);
    socket.write('{"inputs": [');
    signals.emit('SIGTERM');
    expect(await exit).toBe(0);
    await closed;
    expect(lines).toContain('SIGTERM: drain timeout (serve.drain_timeout_ms) passed; closed the connections left');
  });

  it('serves a model folder, and logs predictions where the config says', async () => {
    const { server, exit, signals } = await runCli([
      '--model-dir',
      v2.dir,
      '--config',
      join(root, 'conveyor.yml'),
      '--log-level',
      'silent',
    ]);
    expect(await servedVersion(server)).toBe('v2');
    signals.emit('SIGINT');
    expect(await exit).toBe(0);
    const lines = readFileSync(join(root, 'logs', 'p.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((line) => JSON.parse(line).model_version)).toContain('v2');
  });

  it('exits 2 on bad flags and 1 on a model that cannot be loaded, printing why', async () => {
    const printed: string[] = [];
    const print = (line: string) => printed.push(line);
    expect(await serveCli(['--model-dir', v1.dir, '--port', 'http'], { print })).toBe(2);
    expect(printed.at(-1)).toBe('conveyor serve: --port must be 0..65535, got "http"');
    expect(await serveCli(['--model-dir', v1.dir, '--model', 'penguins'], { print })).toBe(2);
    expect(
      await serveCli(
        ['--model-dir', join(root, 'nowhere'), '--config', join(root, 'conveyor.yml'), '--log-level', 'silent'],
        {
          print,
        },
      ),
    ).toBe(1);
    expect(printed.at(-1)).toMatch(/nowhere\/model\.onnx: cannot read the model \(ENOENT\)/);
  });
});
