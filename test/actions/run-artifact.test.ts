/**
 * The run folder's hand-over between jobs: uploaded by the real @actions/artifact client in one process (job A),
 * downloaded in another (job B) of the same workflow run, against the loopback artifact service; byte for byte.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../helpers/actions-runner.ts';
import { type FakeArtifactService, startFakeArtifactService } from '../helpers/fake-artifact-service.ts';

let service: FakeArtifactService;
const root = mkdtempSync(join(tmpdir(), 'conveyor-artifact-'));

beforeAll(async () => {
  service = await startFakeArtifactService();
});
afterAll(async () => {
  await service.close();
  rmSync(root, { recursive: true, force: true });
});

/** One job's process (async: the artifact service answers from this process). */
function job(run: string, jobId: string, ...args: string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'artifact-child.ts'), ...args],
      {
        cwd: REPOSITORY_ROOT, // where --import tsx resolves
        env: {
          PATH: process.env.PATH,
          GITHUB_WORKSPACE: root,
          GITHUB_SERVER_URL: 'https://github.com',
          ...service.envFor(run, jobId),
        },
      },
      (error, _stdout, stderr) => resolve({ status: error ? ((error.code as number) ?? 1) : 0, stderr }),
    );
  });
}

function tree(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [
        relative(dir, join(e.parentPath, e.name)),
        readFileSync(join(e.parentPath, e.name)).toString('base64'),
      ]),
  );
}

describe('run folder artifact', () => {
  it('uploaded by one job and downloaded by the next arrives byte for byte', async () => {
    const source = join(root, 'runs/r1');
    mkdirSync(join(source, 'model'), { recursive: true });
    mkdirSync(join(source, 'data/table'), { recursive: true });
    writeFileSync(join(source, 'run.json'), '{"id":"r1"}\n');
    writeFileSync(
      join(source, 'model/model.json'),
      JSON.stringify({ trees: Array.from({ length: 2000 }, (_, i) => i) }),
    );
    writeFileSync(
      join(source, 'data/table/col-0.bin'),
      Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256)),
    );

    const upload = await job('run-7', 'job-a', 'upload', 'conveyor-run-export', source);
    expect(upload.stderr).toBe('');
    expect(upload.status).toBe(0);
    // ListArtifacts: no earlier attempt's artifact of that name to replace.
    expect(service.calls).toEqual(['ListArtifacts', 'CreateArtifact', 'FinalizeArtifact']);

    const target = join(root, 'downloaded');
    const download = await job('run-7', 'job-b', 'download', 'conveyor-run-export', target);
    expect(download.status).toBe(0);
    expect(tree(target)).toEqual(tree(source));
  });

  it('uploaded again by a re-run of the job replaces the earlier attempt’s artifact', async () => {
    const source = join(root, 'runs/r2');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'run.json'), '{"id":"r2","attempt":1}\n');
    expect((await job('run-9', 'job-a', 'upload', 'conveyor-run-validate-model', source)).status).toBe(0);
    writeFileSync(join(source, 'run.json'), '{"id":"r2","attempt":2}\n');
    const again = await job('run-9', 'job-a', 'upload', 'conveyor-run-validate-model', source);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    expect(service.artifacts.filter((a) => a.name === 'conveyor-run-validate-model')).toHaveLength(1);

    const target = join(root, 'downloaded-r2');
    expect((await job('run-9', 'job-b', 'download', 'conveyor-run-validate-model', target)).status).toBe(0);
    expect(readFileSync(join(target, 'run.json'), 'utf8')).toContain('"attempt":2');
  });

  it('another workflow run does not see it, and the error says which artifact and why', async () => {
    const download = await job('run-8', 'job-a', 'download', 'conveyor-run-export', join(root, 'elsewhere'));
    expect(download.status).not.toBe(0);
    expect(download.stderr).toContain('artifact "conveyor-run-export" is not in this workflow run');
  });
});
