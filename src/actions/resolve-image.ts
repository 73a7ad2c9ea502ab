/**
 * `resolve-image`: pins the pipeline image CT runs its jobs in to the digest its registry serves now, so every job of
 * the run uses the same image even when its tag moves mid-run, and the model card can name exactly that image.
 */
import { resolveImage } from '../delivery/index.ts';
import type { ActionDeps } from './deps.ts';

export async function run(deps: ActionDeps): Promise<void> {
  const image = deps.inputs.required('image').trim();
  const reference = await deps.group(`Resolve ${image}`, () => resolveImage(image));
  const digest = reference.slice(reference.lastIndexOf('@') + 1);
  deps.setOutput('reference', reference);
  deps.setOutput('digest', digest);
  await deps.summary(`CT runs in the pipeline image \`${reference}\` (resolved from \`${image}\`).\n`);
}
