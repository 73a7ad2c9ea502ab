/** Where code ran: recorded in run.json and in every model card. */
import { z } from 'zod';

export const gitInfoSchema = z.object({ commit: z.string().nullable(), branch: z.string().nullable() }).strict();

/**
 * The pipeline image a run ran in (`name@sha256:…`), from CONVEYOR_PIPELINE_IMAGE: CT sets it on the jobs it runs
 * in the image, pinned to the digest it resolved; anyone running the image elsewhere can set it the same way.
 * Null when unset (the run used the checkout's own code).
 */
export function pipelineImageFromEnv(env: NodeJS.ProcessEnv): string | null {
  return env.CONVEYOR_PIPELINE_IMAGE?.trim() || null;
}

/** Where a run happened in GitHub Actions: recorded in run.json and in the model card. */
export const githubRunSchema = z
  .object({
    run_url: z.string(),
    event: z.string(),
    trigger: z.enum(['push', 'schedule', 'dispatch', 'monitor', 'other']),
    actor: z.string().optional(),
    /** Why the run happened: the dispatch's reason input or payload, the pushed commit, the schedule. */
    reason: z.string().optional(),
  })
  .strict();
