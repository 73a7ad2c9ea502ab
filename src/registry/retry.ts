/**
 * When and how long to retry a GitHub API request: 5xx and network errors back off exponentially; rate limits
 * (403/429) wait as long as GitHub asks (Retry-After, or until x-ratelimit-reset), always within a total budget.
 */
import { RegistryError } from './errors.ts';

export interface RetryOptions {
  /** Attempts per request, the first included. Default 6. */
  readonly maxAttempts: number;
  /** First backoff for 5xx and network errors (ms), doubled on each retry. Default 1 000. */
  readonly baseDelayMs: number;
  /** Largest single backoff (ms); does not cap a Retry-After. Default 30 000. */
  readonly maxDelayMs: number;
  /** Longest total wait of one request across its retries, Retry-After included (ms). Default 300 000. */
  readonly maxTotalDelayMs: number;
  /** Wait for `ms`; tests pass one that records the delay and returns at once. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Clock (ms since epoch), for x-ratelimit-reset. */
  readonly now: () => number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxTotalDelayMs: 300_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

/** GitHub asks clients hit by a secondary rate limit without Retry-After to wait at least a minute. */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

/** The parts of an Octokit RequestError used here (status 500 also stands for network errors). */
interface HttpFailure {
  readonly status?: number;
  readonly message?: string;
  readonly response?: { readonly headers?: Record<string, string | number | undefined> };
}

export type RetryDecision = { readonly delayMs: number; readonly reason: string } | undefined;

/** How long to wait before attempt `attempt + 1` after `error`, or undefined when retrying cannot help. */
export function retryDecision(error: unknown, attempt: number, options: RetryOptions): RetryDecision {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as HttpFailure;
  const status = failure.status;
  const headers = failure.response?.headers ?? {};
  const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  if (status === undefined || status >= 500) return { delayMs: backoff, reason: `HTTP ${status ?? 'error'}` };
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    const delayMs = Number.isFinite(seconds)
      ? seconds * 1000
      : Math.max(0, Date.parse(String(retryAfter)) - options.now());
    if (!Number.isNaN(delayMs)) return { delayMs, reason: `rate limit (Retry-After: ${retryAfter})` };
  }
  if (String(headers['x-ratelimit-remaining']) === '0' && headers['x-ratelimit-reset'] !== undefined) {
    const resetMs = Number(headers['x-ratelimit-reset']) * 1000;
    return { delayMs: Math.max(0, resetMs - options.now()) + 1000, reason: 'primary rate limit' };
  }
  if (/secondary rate limit/i.test(failure.message ?? '')) {
    return { delayMs: SECONDARY_LIMIT_WAIT_MS, reason: 'secondary rate limit' };
  }
  // 429 without headers: back off; a plain 403 is a permission problem.
  return status === 429 ? { delayMs: backoff, reason: 'HTTP 429' } : undefined;
}

/**
 * Run `attempt` until it succeeds, retrying per retryDecision. Errors that retrying cannot fix are rethrown as
 * they are; running out of attempts or of the wait budget throws a RegistryError naming `label`.
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions, label: string): Promise<T> {
  let waitedMs = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const decision = retryDecision(error, n, options);
      if (!decision) throw error;
      const message = (error as Error).message;
      if (n >= options.maxAttempts) {
        throw new RegistryError(`${label}: failed ${n} times (${decision.reason}): ${message}`, { cause: error });
      }
      if (waitedMs + decision.delayMs > options.maxTotalDelayMs) {
        throw new RegistryError(
          `${label}: ${decision.reason} asks to wait ${Math.ceil(decision.delayMs / 1000)} s, beyond the retry ` +
            `budget (${Math.floor((options.maxTotalDelayMs - waitedMs) / 1000)} s left): ${message}`,
          { cause: error },
        );
      }
      await options.sleep(decision.delayMs);
      waitedMs += decision.delayMs;
    }
  }
}
