/**
 * The blessing as terminal text: the verdict, then each check with its numbers.
 */
import type { Blessing } from './types.ts';

export function formatBlessing(blessing: Blessing): string {
  const lines: string[] = [];
  const against = blessing.baseline_version ? `production ${blessing.baseline_version}` : 'no production model';
  lines.push(
    `${blessing.blessed ? 'BLESSED' : 'NOT BLESSED'}: primary metric ${blessing.primary_metric} ` +
      `(${blessing.higher_is_better ? 'higher' : 'lower'} is better), compared with ${against}`,
  );
  lines.push(`  tolerance ${blessing.tolerance}, per-slice tolerance ${blessing.slice_tolerance}`);
  lines.push('');
  for (const check of blessing.checks) {
    lines.push(`  ${check.passed ? 'pass' : 'FAIL'}  ${check.message}`);
  }
  if (blessing.notes.length > 0) {
    lines.push('', 'Notes');
    for (const note of blessing.notes) lines.push(`  - ${note}`);
  }
  if (!blessing.blessed) {
    lines.push('', 'Why not blessed');
    for (const reason of blessing.reasons) lines.push(`  - ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}
