/** `rollback`: move an alias back to the version it pointed at before its latest move, then retag its image. */

import { finishAliasMove } from './alias-move.ts';
import { deliveryRegistry } from './delivery-registry.ts';
import type { ActionDeps } from './deps.ts';

export async function run(deps: ActionDeps): Promise<void> {
  const alias = deps.inputs.required('alias');
  const reason = deps.inputs.required('reason');
  const { registry, name, actor } = deliveryRegistry(deps);
  const change = await registry.rollback(name, alias, { actor, reason });
  await finishAliasMove(deps, { registry, name, alias, actor, reason, change, version: change.to }, 'rollback');
}
