/**
 * What the two HTTP paths share — fastify's routes (src/serve/routes.ts) and infer's own node:http path
 * (src/serve/infer-path.ts) — so a request gets the same answer whichever path it takes: how a body is
 * read as JSON, which requests are refused before their body is read, and how an error becomes a response.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { BodyTooLargeError, InvalidRequestError, statusOf } from './errors.ts';

/** The content type of every answer, errors included (fastify's for an object). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** fastify's longest path parameter (its router answers 414 beyond); set explicitly so both paths agree. */
export const MAX_PARAM_LENGTH = 100;

/**
 * A request body as JSON. Every body is read as JSON whatever its content type (curl -d sends a form type);
 * an empty body is `undefined`, so a bodiless POST (the repository load) works and infer says what it expected.
 */
export function parseJsonBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`malformed JSON: ${(error as Error).message}`);
  }
}

/** The header of OIP's binary tensor data extension, which sends a JSON header plus raw bytes. */
export const BINARY_DATA_HEADER = 'inference-header-content-length';

/** Refuses the binary tensor data extension: only JSON is supported. */
export function refuseBinaryData(headers: IncomingHttpHeaders): void {
  if (headers[BINARY_DATA_HEADER] !== undefined) {
    throw new InvalidRequestError(
      'the binary tensor data extension is not supported; send the tensors as JSON "data" arrays',
    );
  }
}

/** An error as the answer's status and `{"error": message}` body (fastify's own errors reworded for people). */
export function errorReply(error: unknown, bodyLimitBytes: number): { status: number; body: { error: string } } {
  if ((error as { code?: unknown } | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, body: { error: new BodyTooLargeError(bodyLimitBytes).message } };
  }
  return { status: statusOf(error), body: { error: (error as Error).message } };
}
