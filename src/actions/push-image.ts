/**
 * `push-image`: after infra validation passed, pushes the validated candidate under every tag (v<N>, the commit,
 * and the alias when one is moved here), records the image digest in the model registry (so `registry show`
 * names it), then moves the alias.
 */
import { imageTags, pushImage } from '../delivery/index.ts';
import { InputError } from '../errors.ts';
import { versionLabel } from '../registry/index.ts';
import { deliveryRegistry, versionInput } from './delivery-registry.ts';
import type { ActionDeps } from './deps.ts';

export async function run(deps: ActionDeps): Promise<void> {
  const { inputs } = deps;
  const source = inputs.required('source');
  const repository = inputs.required('image');
  const version = versionInput(deps, 'version');
  const alias = inputs.get('alias');
  const given = inputs
    .required('tags')
    .split(/\s+/)
    .filter((t) => t !== '');
  const tags = imageTags({ version, aliases: alias ? [...given.filter((t) => t !== `v${version}`), alias] : given });
  if (!tags.includes(`v${version}`)) throw new InputError(`input "tags" must hold v${version}`);
  const { registry, name, actor } = deliveryRegistry(deps);

  const digest = await deps.group(`Push ${repository} (${tags.join(', ')})`, () =>
    pushImage({ source, repository, tags }),
  );
  await registry.recordImage(name, versionLabel(version), {
    reference: repository,
    digest,
    tags,
    pushed_at: new Date().toISOString(),
    actor,
  });
  deps.setOutput('digest', digest);
  deps.setOutput('reference', `${repository}@${digest}`);
  const reason = inputs.get('reason') || `delivered by workflow run ${deps.env.GITHUB_RUN_ID ?? '(local)'}`;
  const change = alias ? await registry.setAlias(name, alias, versionLabel(version), { actor, reason }) : undefined;
  deps.setOutput('alias-from', change?.from ?? '');
  const moved = !alias
    ? 'No alias moved here.'
    : change
      ? `Alias \`${alias}\`: ${change.from === null ? '(none)' : `v${change.from}`} → v${version} (by ${actor}: ${reason}).`
      : `Alias \`${alias}\` already pointed at v${version}.`;
  await deps.summary(
    [
      `### Pushed ${name} v${version}`,
      '',
      `\`${repository}@${digest}\`, tags ${tags.map((t) => `\`${t}\``).join(', ')}; recorded in the ${registry.backend} registry.`,
      '',
      moved,
      '',
      `Deploy it: \`kubectl set image deployment/${name} server=${repository}@${digest}\` (see deploy/).`,
      '',
    ].join('\n'),
  );
}
