import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withConfigReference } from '../../src/config/reference.ts';

describe('README config reference', () => {
  it('is generated from the zod schema (run npm run schema:config)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toBe(withConfigReference(readme));
  });

  it('documents every required key', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const key of ['model.name', 'data.path', 'data.target']) {
      expect(readme).toMatch(new RegExp(`\\| \`${key.replace('.', '\\.')}\` \\| [^|]+ \\| \\*\\*required\\*\\*`));
    }
  });
});
