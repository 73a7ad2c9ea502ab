/** Number and label formatting shared by report.md and report.html (one place, so both say the same). */
import type { Verdict } from './types.ts';

/** A metric value with four decimals; an em dash for none. */
export function formatValue(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(4);
}

/** A signed difference with four decimals. */
export function formatDelta(delta: number | null): string {
  if (delta === null) return '—';
  const text = Math.abs(delta).toFixed(4);
  return delta >= 0 ? `+${text}` : `−${text}`;
}

/** ▲ better, ▼ worse, = same: the word too, so it survives without colour. */
export function verdictMark(verdict: Verdict): string {
  if (verdict === 'better') return '▲ better';
  if (verdict === 'worse') return '▼ worse';
  if (verdict === 'same') return '= same';
  return '';
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Where an anomaly is: file:line, the file, or the column. */
export function anomalyPlace(a: { file?: string; line?: number; column?: string }): string {
  if (a.file && a.line) return `${a.file}:${a.line}`;
  return a.file ?? '';
}

export function shortCommit(commit: string | null): string {
  return commit ? commit.slice(0, 12) : '—';
}
