/** Errors of the model registry; all are ConveyorErrors (exit code 1 unless noted). */
import { ConveyorError } from '../errors.ts';

/** The registry cannot do what was asked (unknown version or alias, storage refused, retry budget spent). */
export class RegistryError extends ConveyorError {}

/** A ref (`v3`, `3`, an alias or `latest`) names nothing in the registry. */
export class NotFoundError extends RegistryError {
  constructor(
    readonly model: string,
    readonly ref: string,
    detail: string,
  ) {
    super(`model ${model}: ${ref}: ${detail}`);
  }
}

/** Bytes that do not match the digest or size the model card records for them. */
export class IntegrityError extends RegistryError {
  constructor(
    readonly asset: string,
    readonly expected: { sha256: string; bytes: number },
    readonly actual: { sha256: string; bytes: number },
    where: string,
  ) {
    super(
      `${where}: ${asset} does not match its model card: expected ${expected.bytes} bytes with sha256 ` +
        `${expected.sha256}, got ${actual.bytes} bytes with sha256 ${actual.sha256}`,
    );
  }
}

/**
 * A compare-and-swap on an alias failed: it no longer points where the caller expected (another run moved it).
 * Exit code 3, like a refused blessing: the candidate has to be validated again against the new target.
 */
export class AliasMovedError extends RegistryError {
  override readonly exitCode = 3;
  constructor(
    readonly model: string,
    readonly alias: string,
    readonly expected: number | null,
    readonly current: number | null,
  ) {
    super(
      `model ${model}: ${alias} is ${current === null ? 'unset' : `v${current}`} now, not ` +
        `${expected === null ? 'unset' : `v${expected}`} as expected (another run moved it)`,
    );
  }
}
