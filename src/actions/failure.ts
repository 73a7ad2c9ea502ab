/**
 * The one error boundary of every action, as a pure function: what a failed step shows. Conveyor's typed errors
 * (src/errors.ts) become a one-line title and message (no stack trace) plus annotations; the exit code stays the
 * CLI's (2 invalid config or data, 3 not blessed, 1 anything else), so a log reader sees the same numbers.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import {
  ConfigError,
  ConveyorError,
  DataError,
  describeError,
  exitCodeOf,
  InputError,
  ModelRejectedError,
  ParityError,
} from '../errors.ts';
import { DataValidationError } from '../validate/index.ts';
import { anomalyAnnotations } from './annotations.ts';
import type { Annotation } from './deps.ts';

export interface FailureReport {
  readonly exitCode: number;
  /** The failure annotation (`core.setFailed`'s line) with its one-line title. */
  readonly failure: Annotation;
  /** Further annotations: the anomalies behind invalid data, the config key's line. */
  readonly annotations: readonly Annotation[];
  /** The whole message when it has more lines than the title shows, for the log. */
  readonly details: string | null;
  /** Stack trace of an unexpected error (not one of Conveyor's), for the log. */
  readonly stack: string | null;
}

export function failureReport(error: unknown, workspace: string): FailureReport {
  const message = describeError(error);
  const firstLine = oneLine(message);
  const details = message.includes('\n') ? message : null;
  const exitCode = exitCodeOf(error);
  const stack = error instanceof ConveyorError || !(error instanceof Error) ? null : (error.stack ?? null);
  if (error instanceof DataValidationError) {
    return {
      exitCode,
      failure: { level: 'error', title: 'Invalid data', message: firstLine },
      annotations: anomalyAnnotations(error.anomalies, { errorsUsed: 1 }),
      details,
      stack,
    };
  }
  if (error instanceof ConfigError) {
    const file = repositoryPath(error.file, workspace);
    const line = /\(line (\d+)\)/.exec(error.detail)?.[1];
    return {
      exitCode,
      failure: {
        level: 'error',
        title: 'Invalid config',
        message: firstLine,
        ...(file ? { file } : {}),
        ...(file && line ? { line: Number(line) } : {}),
      },
      annotations: [],
      details,
      stack,
    };
  }
  return {
    exitCode,
    failure: { level: 'error', title: titleOf(error), message: firstLine },
    annotations: [],
    details,
    stack,
  };
}

/** The first line; a heading that ends in ':' keeps its first item ("… 2 error(s): data.csv:7: …"). */
function oneLine(message: string): string {
  const [first = message, second] = message.split('\n');
  if (first.endsWith(':') && second) return `${first} ${second.trim().replace(/^- /, '')}`;
  return first;
}

function titleOf(error: unknown): string {
  if (error instanceof ModelRejectedError) return 'Model not blessed';
  if (error instanceof ParityError) return 'ONNX parity gate failed';
  if (error instanceof DataError) return 'Invalid data';
  if (error instanceof InputError) return 'Invalid input';
  if (error instanceof ConveyorError) return 'Conveyor failed';
  return 'Unexpected error';
}

/** An existing file inside the checkout, relative with forward slashes (what annotations need); else null. */
function repositoryPath(path: string, workspace: string): string | null {
  const absolute = resolve(workspace, path);
  if (!existsSync(absolute)) return null;
  const inside = relative(workspace, absolute);
  if (inside.startsWith('..') || isAbsolute(inside)) return null;
  return inside.replace(/\\/g, '/');
}
