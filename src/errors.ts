/**
 * Typed errors thrown by the stages. Adapters (CLI, server, actions) map them to exit codes,
 * HTTP statuses or annotations; nothing under src/ exits the process.
 *
 * Exit codes: 0 done, 2 invalid input (config/data), 3 model not good enough to register, 1 anything else.
 */
export class ConveyorError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One rejected key of a config (or schema) file: its dotted path and what is wrong with it. */
export interface ConfigProblem {
  readonly key: string;
  readonly detail: string;
}

/**
 * A config file key holds a value that is not accepted. `key` is the dotted path (e.g. `data.target`) of the
 * first problem; `problems` lists every one found, so a user fixes them all in one go.
 */
export class ConfigError extends ConveyorError {
  override readonly exitCode = 2;
  readonly file: string;
  readonly key: string;
  readonly detail: string;
  readonly problems: readonly ConfigProblem[];
  constructor(file: string, key: string, detail: string, more: readonly ConfigProblem[] = []) {
    const problems = [{ key, detail }, ...more];
    super(
      problems.length === 1
        ? `${file}: ${key}: ${detail}`
        : `${file}: ${problems.length} problems:\n${problems.map((p) => `  ${p.key}: ${p.detail}`).join('\n')}`,
    );
    this.file = file;
    this.key = key;
    this.detail = detail;
    this.problems = problems;
  }

  /** One error for several problems (at least one). */
  static of(file: string, problems: readonly ConfigProblem[]): ConfigError {
    const [first, ...more] = problems;
    if (first === undefined) throw new RangeError('ConfigError.of needs at least one problem');
    return new ConfigError(file, first.key, first.detail, more);
  }
}

/** Input data that cannot be used: unreadable file, no rows, or anomalies of error severity. */
export class DataError extends ConveyorError {
  override readonly exitCode = 2;
}

/** Anything the user passed that is malformed (a CLI flag, a run folder, a model file). */
export class InputError extends ConveyorError {
  override readonly exitCode = 2;
}

/**
 * A run-folder file a stage needs is missing or does not hold what the stage contract says. `stage` is the
 * reader (a stage name, or the tool reading the run), `file` the path.
 */
export class ArtifactError extends InputError {
  readonly stage: string;
  readonly file: string;
  constructor(stage: string, file: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.stage = stage;
    this.file = file;
  }
}

/** The candidate model is not good enough to register (blessing refused). */
export class ModelRejectedError extends ConveyorError {
  override readonly exitCode = 3;
}

/** The exported ONNX model disagrees with the TypeScript model it was exported from. */
export class ParityError extends ConveyorError {
  override readonly exitCode = 1;
}

/** A serving image does not answer the golden requests as the model did at export (infra validation). */
export class InfraValidationError extends ConveyorError {
  override readonly exitCode = 1;
}

/** Turn anything thrown into a one-line message (no stack for our own errors). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function exitCodeOf(error: unknown): number {
  return error instanceof ConveyorError ? error.exitCode : 1;
}
