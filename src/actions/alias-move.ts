/**
 * promote and rollback as actions: move an alias exactly as `conveyor registry promote|rollback` does (same
 * registry call, actor and reason in the history), then point the alias's image tag at the version's recorded
 * image, and say what changed, by whom and why in the job summary.
 */
import { retagImage } from '../delivery/index.ts';
import type { AliasChange, ModelRegistry } from '../registry/index.ts';
import type { ActionDeps } from './deps.ts';

export interface AliasMove {
  readonly registry: ModelRegistry;
  readonly name: string;
  readonly alias: string;
  readonly actor: string;
  readonly reason: string;
  /** undefined: the alias already pointed there. */
  readonly change: AliasChange | undefined;
  /** The version the alias points at now. */
  readonly version: number;
}

/** Retags the image (when one is recorded and `retag` is on), sets outputs and writes the summary. */
export async function finishAliasMove(deps: ActionDeps, move: AliasMove, verb: 'promote' | 'rollback'): Promise<void> {
  const { registry, name, alias, change, version } = move;
  const image = (await registry.images(name))[version];
  const retag = deps.inputs.boolean('retag');
  let imageLine: string;
  if (!image) {
    imageLine = `No image is recorded for v${version} (continuous delivery has not pushed it): no tag to move.`;
  } else if (!retag) {
    imageLine = `Image tag \`${alias}\` not moved (retag: false).`;
  } else {
    await deps.group(`Tag ${image.reference}@${image.digest} as ${alias}`, () =>
      retagImage({ repository: image.reference, digest: image.digest, tag: alias }),
    );
    imageLine = `Image \`${image.reference}:${alias}\` → \`${image.digest}\`.`;
  }
  deps.setOutput('version', version);
  deps.setOutput('from', change?.from ?? '');
  deps.setOutput('changed', change !== undefined);
  deps.setOutput('image', image ? `${image.reference}@${image.digest}` : '');
  const what =
    change === undefined
      ? `\`${alias}\` already pointed at v${version}: nothing changed.`
      : `| alias | from | to | by | why |\n| --- | --- | --- | --- | --- |\n| ${alias} | ${change.from === null ? '(none)' : `v${change.from}`} | v${change.to} | ${change.actor} | ${change.reason ?? ''} |`;
  await deps.summary(
    [`### ${verb === 'promote' ? 'Promote' : 'Roll back'} ${name}: ${alias}`, '', what, '', imageLine, ''].join('\n'),
  );
}
