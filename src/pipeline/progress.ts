/**
 * Progress of a long stage (training rounds): what a stage reports, one way to write it as text, and the
 * default sink — a plain line every few seconds through the run's log, as CI logs want it. The CLI
 * replaces the sink on a terminal with a line redrawn in place (src/cli/live-progress.ts).
 */
export interface ProgressUpdate {
  readonly stage: string;
  /** Iterations (boosting rounds, optimiser steps) done so far, and the most there can be. */
  readonly done: number;
  readonly total: number;
  /** Loss after the latest iteration: on the validation slice when there is one, else on the training rows. */
  readonly loss?: number;
  readonly lossOn?: 'validation' | 'training';
  /** Milliseconds since the stage started iterating. */
  readonly elapsedMs: number;
}

export type ProgressSink = (update: ProgressUpdate) => void;

/** "iteration 37/200, valid loss 0.12345, 1.2 s elapsed, ETA 5.3 s" (ETA assumes every iteration runs). */
export function formatProgress(update: ProgressUpdate): string {
  const parts = [`iteration ${update.done}/${update.total}`];
  if (update.loss !== undefined) {
    parts.push(`${update.lossOn === 'validation' ? 'valid' : 'train'} loss ${update.loss.toFixed(5)}`);
  }
  parts.push(`${seconds(update.elapsedMs)} elapsed`);
  if (update.done > 0 && update.done < update.total) {
    parts.push(`ETA ${seconds((update.elapsedMs / update.done) * (update.total - update.done))}`);
  }
  return parts.join(', ');
}

function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** A sink that logs one plain line at most every `intervalMs` (the first after `intervalMs`), never redrawn. */
export function periodicProgress(
  log: (line: string) => void,
  intervalMs = 2000,
  now: () => number = () => performance.now(),
): ProgressSink {
  let last: number | undefined;
  return (update) => {
    const t = now();
    last ??= t - update.elapsedMs; // the stage's start
    if (t - last < intervalMs) return;
    last = t;
    log(`  ${formatProgress(update)}`);
  };
}
