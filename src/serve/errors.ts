/**
 * Errors of the prediction service. Each names the HTTP status the protocol layer answers with, so the
 * routes stay thin: they catch, read `status`, and send `{"error": message}`.
 */
import { ConveyorError, InputError } from '../errors.ts';
import { IntegrityError, NotFoundError as RegistryNotFoundError } from '../registry/errors.ts';

/** A serving error that knows its HTTP status. */
export class ServeError extends ConveyorError {
  readonly status: number;
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** The request body does not follow the protocol or the model's signature (400). */
export class InvalidRequestError extends ServeError {
  constructor(message: string) {
    super(400, message);
  }
}

/** The request carries more rows than serve.max_rows (413). */
export class TooManyRowsError extends ServeError {
  constructor(rows: number, maxRows: number) {
    super(
      413,
      `the request has ${rows} rows, more than the limit of ${maxRows} rows per request (serve.max_rows); split it into several requests`,
    );
  }
}

/** The request body is larger than serve.body_limit (413). */
export class BodyTooLargeError extends ServeError {
  constructor(limitBytes: number) {
    super(413, `the request body is larger than the limit of ${limitBytes} bytes (serve.body_limit); split the batch`);
  }
}

/** No model or version of that name is served here (404). */
export class ModelNotFoundError extends ServeError {
  constructor(message: string) {
    super(404, message);
  }
}

/** The server has no ready model yet, or is shutting down (503). */
export class ModelNotReadyError extends ServeError {
  constructor(message: string) {
    super(503, message);
  }
}

/**
 * A model could not be loaded: its files are missing or corrupted, it is not a Conveyor model, its card
 * disagrees with it, or it fails its warm-up run (422). The model served before, if any, stays.
 */
export class ModelLoadError extends ServeError {
  constructor(message: string, options?: ErrorOptions) {
    super(422, message, options);
  }
}

/** A reload asked for something that contradicts what is served (another model name) (409). */
export class ModelConflictError extends ServeError {
  constructor(message: string) {
    super(409, message);
  }
}

/**
 * HTTP status for anything thrown while serving: a ServeError's own; 404 for a registry ref that names
 * nothing; 422 for a model file that is unusable or does not match its card; fastify's 4xx; else 500.
 */
export function statusOf(error: unknown): number {
  if (error instanceof ServeError) return error.status;
  if (error instanceof RegistryNotFoundError) return 404;
  if (error instanceof InputError || error instanceof IntegrityError) return 422;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
