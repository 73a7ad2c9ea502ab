/** Errors of the model registry; all are ConveyorErrors (exit code 1 unless noted). */
import { ConveyorError } from '../errors.ts';

/** The registry cannot do what was asked (unknown version or alias, storage refused, retry budget spent). */
export class RegistryError extends ConveyorError {}

/** A ref (`v3`, `3`, an alias or `latest`) names nothing in the registry. */
export class NotFoundError extends RegistryError {
  readonly model: string;
  readonly ref: string;
  constructor(model: string, ref: string, detail: string) {
    super(`model ${model}: ${ref}: ${detail}`);
    this.model = model;
    this.ref = ref;
  }
}

/** Bytes that do not match the digest or size the model card records for them. */
export class IntegrityError extends RegistryError {
  readonly asset: string;
  readonly expected: { sha256: string; bytes: number };
  readonly actual: { sha256: string; bytes: number };
  constructor(
    asset: string,
    expected: { sha256: string; bytes: number },
    actual: { sha256: string; bytes: number },
    where: string,
  ) {
    super(
      `${where}: ${asset} does not match its model card: expected ${expected.bytes} bytes with sha256 ` +
        `${expected.sha256}, got ${actual.bytes} bytes with sha256 ${actual.sha256}`,
    );
    this.asset = asset;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A compare-and-swap on an alias failed: it no longer points where the caller expected (another run moved it).
 * Exit code 3, like a refused blessing: the candidate has to be validated again against the new target.
 */
export class AliasMovedError extends RegistryError {
  override readonly exitCode = 3;
  readonly model: string;
  readonly alias: string;
  readonly expected: number | null;
  readonly current: number | null;
  constructor(model: string, alias: string, expected: number | null, current: number | null) {
    super(
      `model ${model}: ${alias} is ${current === null ? 'unset' : `v${current}`} now, not ` +
        `${expected === null ? 'unset' : `v${expected}`} as expected (another run moved it)`,
    );
    this.model = model;
    this.alias = alias;
    this.expected = expected;
    this.current = current;
  }
}
