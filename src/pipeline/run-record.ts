/** run.json: who ran what, from which commit and config, and how each stage went. */
import { z } from 'zod';
import { readJson, writeJson } from '../lib/files.ts';
import { githubRunSchema, gitInfoSchema } from '../lib/lineage.ts';

export const stageNames = [
  'validate-data',
  'prepare',
  'train',
  'evaluate',
  'export',
  'validate-model',
  'register',
] as const;
export type StageName = (typeof stageNames)[number];

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
  stages: z.record(z.string(), stageRecordSchema),
});
export type RunRecord = z.infer<typeof runRecordSchema>;
export type StageRecord = z.infer<typeof stageRecordSchema>;

export function readRunRecord(path: string): RunRecord {
  const parsed = runRecordSchema.safeParse(readJson(path, 'run record'));
  if (!parsed.success) throw new Error(`${path}: not a Conveyor run record (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

export function writeRunRecord(path: string, record: RunRecord): void {
  writeJson(path, record);
}

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
