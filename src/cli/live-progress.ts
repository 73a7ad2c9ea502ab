/**
 * On a terminal, the progress of a long stage is one line redrawn in place (carriage return + erase line),
 * at most every `intervalMs`; ordinary log lines erase it and print above it, so the scrollback holds only
 * the log. Off a terminal (CI, pipes) the CLI keeps the default: a plain line every few seconds.
 */
import { formatProgress, type ProgressSink } from '../pipeline/progress.ts';

export interface Terminal {
  write(text: string): unknown;
  readonly columns?: number;
}

export interface LiveProgress {
  /** Prints a log line (erasing the progress line first). */
  readonly log: (line: string) => void;
  readonly progress: ProgressSink;
  /** Erases the progress line, if one is shown (before an error is printed, or at exit). */
  readonly clear: () => void;
}

const ERASE_LINE = '\r\x1b[2K';

/** Whether `stream` is an interactive terminal that understands the redraw (not a pipe, not TERM=dumb). */
export function isLiveTerminal(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb' && !env.CI;
}

export function liveProgress(
  terminal: Terminal,
  intervalMs = 100,
  now: () => number = () => performance.now(),
): LiveProgress {
  let shown = false;
  let lastDraw = Number.NEGATIVE_INFINITY;
  const clear = () => {
    if (!shown) return;
    terminal.write(ERASE_LINE);
    shown = false;
  };
  return {
    log: (line) => {
      clear();
      terminal.write(`${line}\n`);
    },
    progress: (update) => {
      const t = now();
      if (t - lastDraw < intervalMs && update.done < update.total) return;
      lastDraw = t;
      const text = `  ${update.stage}: ${formatProgress(update)}`;
      // A line longer than the terminal would wrap, and the carriage return would redraw only its last row.
      const width = (terminal.columns ?? 80) - 1;
      terminal.write(`${ERASE_LINE}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      shown = true;
    },
    clear,
  };
}
