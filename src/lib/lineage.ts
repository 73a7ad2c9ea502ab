/** Where code ran: recorded in run.json and in every model card. */
import { z } from 'zod';

export const gitInfoSchema = z.object({ commit: z.string().nullable(), branch: z.string().nullable() }).strict();

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
