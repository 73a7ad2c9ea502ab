import { describe } from 'vitest';
import { pipelineActionCases } from './pipeline-action-cases.ts';

// One Node process per case (5-20 s on a busy machine): above the default timeout.
describe(`pipeline action on this machine's Node (${process.version})`, { timeout: 180_000 }, () =>
  pipelineActionCases(process.execPath),
);
