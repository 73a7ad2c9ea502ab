/**
 * Start-up: the bin runs the TypeScript sources through Node's type stripping with a cache, and each
 * command loads only the modules it needs. Timing is measured in bench/startup.ts, not here; these tests
 * check the mechanisms. They need a Node that strips types (>= 22.18, the supported range): this one, or
 * the binaries .ci/run provisions under .cache/node/.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin', 'conveyor.js');

/** A Node binary with type stripping: this process's, else a provisioned one. */
function strippingNode(): string | undefined {
  if (process.features.typescript) return process.execPath;
  return ['22', '24']
    .map((major) => join(repo, '.cache', 'node', major, 'bin', 'node'))
    .find((path) => existsSync(path));
}

const node = strippingNode();
const work = mkdtempSync(join(tmpdir(), 'conveyor-startup-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(node!, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${resolve(node!, '..')}:${process.env.PATH}`, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// A hook that records every module URL the process resolves (it runs under the bin's own resolve hook).
const TRACER = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const urls = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); urls.add(r.url); return r; } });
process.on('exit', () => writeFileSync(process.env.TRACE_FILE, JSON.stringify([...urls])));
`;

describe.skipIf(!node)('conveyor start-up (Node with type stripping)', () => {
  const tracer = join(work, 'tracer.mjs');
  writeFileSync(tracer, TRACER);
  const workspace = join(work, 'workspace');
  mkdirSync(workspace);
  cpSync(join(repo, 'conveyor.yml'), join(workspace, 'conveyor.yml'));

  const loaded = (args: string[]) => {
    const traceFile = join(work, `trace-${args.join('-')}.json`);
    const result = run(['--import', pathToFileURL(tracer).href, bin, ...args], workspace, { TRACE_FILE: traceFile });
    const urls = JSON.parse(readFileSync(traceFile, 'utf8')) as string[];
    const packages = new Set(urls.flatMap((url) => url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []));
    return { ...result, urls, packages };
  };
  const HEAVY = ['onnxruntime-node', 'fastify', 'hyparquet', '@actions/github', '@octokit/core', 'csv-parse', 'pino'];

  it('--help loads no dependency at all, and only the CLI entry of src/', () => {
    const { status, stdout, packages, urls } = loaded(['--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('Usage: conveyor <command>');
    expect([...packages]).toEqual([]);
    const sources = urls.filter((url) => url.includes('/src/')).map((url) => url.slice(url.indexOf('/src/') + 1));
    expect(sources).toContain('src/cli/main.ts');
    expect(
      sources.every((path) =>
        /^src\/(cli|config\/defaults|errors|pipeline\/(stage-table|stage-names|progress))/.test(path),
      ),
    ).toBe(true);
  });

  it('registry list (local) loads the config and registry code, not the model, server or GitHub stacks', () => {
    const { status, stdout, stderr, packages } = loaded(['registry', 'list']);
    expect(status, stderr).toBe(0);
    expect(stdout).toContain('penguins: no versions registered (local registry)');
    expect(packages.has('zod') && packages.has('yaml')).toBe(true);
    for (const name of HEAVY) expect(packages.has(name), name).toBe(false);
  });

  it('npx conveyor runs the bin that the bin workspace links into node_modules/.bin', () => {
    const link = join(repo, 'node_modules', '.bin', 'conveyor');
    expect(readFileSync(link, 'utf8')).toBe(readFileSync(bin, 'utf8'));
    const npx = spawnSync('npx', ['--no-install', 'conveyor', '--help'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${resolve(node!, '..')}:${process.env.PATH}` },
    });
    expect(npx.status, npx.stderr).toBe(0);
    expect(npx.stdout).toContain('Usage: conveyor <command>');
    expect(npx.stderr).toBe('');
  });
});

describe.skipIf(!node)('the strip cache (bin/strip-cache.js)', () => {
  // A package of its own: bin/ with the real hook, src/ with two TypeScript files.
  const pkg = join(work, 'pkg');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  mkdirSync(join(pkg, 'src'));
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'strip-cache-test', type: 'module' }));
  cpSync(join(repo, 'bin', 'strip-cache.js'), join(pkg, 'bin', 'strip-cache.js'));
  writeFileSync(
    join(pkg, 'bin', 'run.js'),
    "import { installStripCache } from './strip-cache.js';\nconsole.log(installStripCache());\nawait import('../src/main.ts');\n",
  );
  writeFileSync(
    join(pkg, 'src', 'main.ts'),
    [
      "import { answer, fail } from './answer.ts';",
      "const label: string = 'answer ' + String(answer());",
      'console.log(label, import.meta.url, import.meta.dirname);',
      'try { fail(); } catch (error) { console.log((error as Error).stack?.split("\\n")[1]?.trim()); }',
    ].join('\n'),
  );
  const answerFile = join(pkg, 'src', 'answer.ts');
  const writeAnswer = (value: number) =>
    writeFileSync(
      answerFile,
      `export function answer(): number {\n  return ${value};\n}\n\nexport function fail(): never {\n  throw new Error('boom');\n}\n`,
    );
  const strippedFiles = () => readdirSync(join(pkg, 'node_modules', '.cache', `conveyor-${nodeVersion()}`, 'strip'));
  const nodeVersion = () => spawnSync(node!, ['--version'], { encoding: 'utf8' }).stdout.trim();

  it('runs the sources, keeps their import.meta values and stack positions, and uses an edit at the next run', () => {
    writeAnswer(41);
    const first = run([join(pkg, 'bin', 'run.js')], pkg);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toBe(''); // no experimental-feature warning
    const [installed, output, stack] = first.stdout.trim().split('\n');
    expect(installed).toBe('true');
    expect(output).toBe(`answer 41 ${pathToFileURL(join(pkg, 'src', 'main.ts')).href} ${join(pkg, 'src')}`);
    expect(stack).toBe(`at fail (${pathToFileURL(answerFile).href}:6:9)`);
    const cached = strippedFiles().filter((name) => name.endsWith('.mjs'));
    expect(cached).toHaveLength(2);

    writeAnswer(42);
    const second = run([join(pkg, 'bin', 'run.js')], pkg);
    expect(second.stdout.split('\n')[1]).toMatch(/^answer 42 /);
    // The edited file got a new cache entry; the unchanged one was reused.
    expect(strippedFiles().filter((name) => name.endsWith('.mjs'))).toHaveLength(3);
  });

  it('is filled ahead of time by fillStripCache (the serving image build), and a run then finds every file in it', () => {
    rmSync(join(pkg, 'node_modules'), { recursive: true, force: true });
    writeAnswer(43);
    const fill = run(
      [
        '--input-type=module',
        '-e',
        `const { fillStripCache } = await import(${JSON.stringify(pathToFileURL(join(pkg, 'bin', 'strip-cache.js')).href)}); console.log(fillStripCache(${JSON.stringify(join(pkg, 'src'))}));`,
      ],
      pkg,
    );
    expect(fill.status, fill.stderr).toBe(0);
    expect(fill.stdout.trim()).toBe('2');
    const filled = strippedFiles().sort();
    const started = run([join(pkg, 'bin', 'run.js')], pkg);
    expect(started.stdout.split('\n')[1]).toMatch(/^answer 43 /);
    expect(strippedFiles().sort()).toEqual(filled); // nothing stripped at the run: the keys matched
  });
});
