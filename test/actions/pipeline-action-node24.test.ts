import { describeOnNode24 } from '../helpers/node24.ts';
import { pipelineActionCases } from './pipeline-action-cases.ts';

describeOnNode24('pipeline action on Node 24 (the runner’s node24)', (node) => pipelineActionCases(node));
