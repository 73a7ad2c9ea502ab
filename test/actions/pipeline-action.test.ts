import { describe } from 'vitest';
import { pipelineActionCases } from './pipeline-action-cases.ts';

describe(`pipeline action on this machine's Node (${process.version})`, () => pipelineActionCases(process.execPath));
