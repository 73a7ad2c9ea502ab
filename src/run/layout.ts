/**
 * The run folder: every stage reads its inputs from and writes its outputs to runs/<run-id>/, so any
 * stage can be rerun alone from the previous stage's outputs. This file is the one place that names
 * those paths.
 */
import { join } from 'node:path';

export interface RunLayout {
  readonly dir: string;
  /** Run metadata: id, config file, commit, stage status and durations. */
  readonly runJson: string;
  /** The config as validated, defaults filled in. */
  readonly configJson: string;
  /** validate-data outputs. */
  readonly dataJson: string;
  readonly profileJson: string;
  readonly validationJson: string;
  /** The loaded table (columnar binary), so later stages need not re-read the source files. */
  readonly dataTable: string;
  /** prepare outputs. */
  readonly splitJson: string;
  readonly trainTable: string;
  readonly holdoutTable: string;
  /** train outputs. */
  readonly modelJson: string;
  readonly trainJson: string;
  /** evaluate outputs. */
  readonly evaluationJson: string;
  /** export outputs. */
  readonly onnx: string;
  readonly parityJson: string;
  /** validate-model outputs. */
  readonly blessingJson: string;
  /** The production model's evaluation on this run's holdout (absent for the first model). */
  readonly baselineEvaluationJson: string;
  /** register outputs. */
  readonly cardJson: string;
  readonly cardMd: string;
  readonly registrationJson: string;
  /** report outputs: the run report for GitHub (Markdown) and for browsers (one self-contained page). */
  readonly reportMd: string;
  readonly reportHtml: string;
}

export function runLayout(dir: string): RunLayout {
  return {
    dir,
    runJson: join(dir, 'run.json'),
    configJson: join(dir, 'config.json'),
    dataJson: join(dir, 'data', 'data.json'),
    profileJson: join(dir, 'data', 'profile.json'),
    validationJson: join(dir, 'data', 'validation.json'),
    dataTable: join(dir, 'data', 'table'),
    splitJson: join(dir, 'prepared', 'split.json'),
    trainTable: join(dir, 'prepared', 'train'),
    holdoutTable: join(dir, 'prepared', 'holdout'),
    modelJson: join(dir, 'model', 'model.json'),
    trainJson: join(dir, 'model', 'train.json'),
    evaluationJson: join(dir, 'evaluation', 'evaluation.json'),
    onnx: join(dir, 'export', 'model.onnx'),
    parityJson: join(dir, 'export', 'parity.json'),
    blessingJson: join(dir, 'validate-model', 'blessing.json'),
    baselineEvaluationJson: join(dir, 'validate-model', 'baseline-evaluation.json'),
    cardJson: join(dir, 'register', 'card.json'),
    cardMd: join(dir, 'register', 'card.md'),
    registrationJson: join(dir, 'register', 'registration.json'),
    reportMd: join(dir, 'report', 'report.md'),
    reportHtml: join(dir, 'report', 'report.html'),
  };
}

/** File in runs_dir naming the most recent run, so stage commands default to it. */
export const LATEST_RUN_FILE = 'LATEST';
