/** run.json: who ran what, from which commit and config, and how each stage went. */
import { z } from 'zod';
import { githubRunSchema, gitInfoSchema } from '../lib/lineage.ts';

const stageRecordSchema = z.object({
  status: z.enum(['running', 'done', 'failed']),
  started_at: z.string(),
  duration_ms: z.number().optional(),
  error: z.string().optional(),
});

export const runRecordSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  config_file: z.string(),
  conveyor_version: z.string(),
  git: gitInfoSchema,
  /** Set when the run happens in GitHub Actions. */
  github: githubRunSchema.nullable(),
  /** The pipeline image the run was created in (absent in run folders written before it was recorded). */
  pipeline_image: z.string().nullable().optional(),
  stages: z.record(z.string(), stageRecordSchema),
});
export type RunRecord = z.infer<typeof runRecordSchema>;
export type StageRecord = z.infer<typeof stageRecordSchema>;

/** GitHub Actions context from the environment, or null outside Actions. */
export function githubContext(env: NodeJS.ProcessEnv): RunRecord['github'] {
  if (env.GITHUB_ACTIONS !== 'true' || !env.GITHUB_RUN_ID || !env.GITHUB_REPOSITORY) return null;
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const event = env.GITHUB_EVENT_NAME ?? 'unknown';
  const trigger =
    event === 'push'
      ? 'push'
      : event === 'schedule'
        ? 'schedule'
        : event === 'workflow_dispatch'
          ? 'dispatch'
          : event === 'repository_dispatch'
            ? 'monitor'
            : 'other';
  return {
    run_url: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`,
    event,
    trigger,
    ...(env.GITHUB_ACTOR ? { actor: env.GITHUB_ACTOR } : {}),
  };
}
