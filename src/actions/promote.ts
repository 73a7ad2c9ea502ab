/** `promote`: point an alias at a version (a version number or another alias), then retag its image. */

import { finishAliasMove } from './alias-move.ts';
import { deliveryRegistry } from './delivery-registry.ts';
import type { ActionDeps } from './deps.ts';

export async function run(deps: ActionDeps): Promise<void> {
  const ref = deps.inputs.required('ref');
  const alias = deps.inputs.required('alias');
  const reason = deps.inputs.required('reason');
  const { registry, name, actor } = deliveryRegistry(deps);
  const change = await registry.setAlias(name, alias, ref, { actor, reason });
  const version = (await registry.resolve(name, alias)).version;
  await finishAliasMove(deps, { registry, name, alias, actor, reason, change, version }, 'promote');
}
