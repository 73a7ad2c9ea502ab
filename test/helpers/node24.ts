/**
 * The real Node 24 binary the action tests run under (the runner's node24), fetched by `scripts/ci/provision-node.sh 24 24`
 * (.ci/run does it). Missing locally: the Node 24 tests are skipped and say why. Missing under CI=true: they fail.
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { NODE24_BINARY } from './actions-runner.ts';

/** `describe` for tests that need Node 24; `body` gets the binary's path. */
export function describeOnNode24(name: string, body: (node: string) => void): void {
  if (existsSync(NODE24_BINARY)) {
    describe(name, { timeout: 180_000 }, () => body(NODE24_BINARY));
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has a Node 24 binary', () => {
        throw new Error(
          `${NODE24_BINARY} is missing: CI must run "bash scripts/ci/provision-node.sh 24 24" first (.ci/run does)`,
        );
      });
    });
  } else {
    describe.skip(`${name} (skipped: no Node 24 at ${NODE24_BINARY}; run "bash scripts/ci/provision-node.sh 24 24")`, () => {
      it('runs under Node 24', () => {});
    });
  }
}
