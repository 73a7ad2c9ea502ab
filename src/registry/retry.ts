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

/** Socket and DNS error codes that a later attempt may not hit (a server restarting, a busy resolver). */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const NETWORK_CODE_MEANING: Record<string, string> = {
  ENOTFOUND: 'DNS lookup failed: no such host',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENETUNREACH: 'network unreachable',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

export interface NetworkFailure {
  /** The socket or DNS error code (ECONNREFUSED, ENOTFOUND, ...), or undefined when none was given. */
  readonly code: string | undefined;
  /** Words for people: "connection refused (connect ECONNREFUSED 127.0.0.1:9)". */
  readonly description: string;
  /** Whether another attempt may succeed. */
  readonly transient: boolean;
}

/**
 * The network failure under an error, when the request never got an HTTP answer. fetch reports these as
 * "fetch failed" with the socket or DNS error as its cause, and Octokit wraps that in a RequestError with
 * status 500; the cause chain holds the real reason.
 */
export function networkFailure(error: unknown): NetworkFailure | undefined {
  const chain: Record<string, unknown>[] = [];
  for (let e = error; typeof e === 'object' && e !== null && chain.length < 8; e = (e as { cause?: unknown }).cause) {
    chain.push(e as Record<string, unknown>);
  }
  if (chain.some((e) => typeof (e.response as { status?: unknown } | undefined)?.status === 'number')) return undefined;
  const coded = chain.find((e) => typeof e.code === 'string' && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(e.code as string));
  const fetchFailed = chain.some((e) => e.message === 'fetch failed');
  if (!coded && !fetchFailed) return undefined;
  const code = coded?.code as string | undefined;
  const detail = coded && typeof coded.message === 'string' ? coded.message : 'fetch failed';
  const meaning = code ? (NETWORK_CODE_MEANING[code] ?? 'network error') : 'network error';
  return {
    code,
    description: detail === meaning ? meaning : `${meaning} (${detail})`,
    transient: code === undefined || TRANSIENT_NETWORK_CODES.has(code),
  };
}

/** How long to wait before attempt `attempt + 1` after `error`, or undefined when retrying cannot help. */
export function retryDecision(error: unknown, attempt: number, options: RetryOptions): RetryDecision {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as HttpFailure;
  const status = failure.status;
  const headers = failure.response?.headers ?? {};
  const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  const network = networkFailure(error);
  if (network) return network.transient ? { delayMs: backoff, reason: network.description } : undefined;
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
      const network = networkFailure(error);
      if (!decision && network) {
        throw new RegistryError(`${label}: ${network.description}; check the URL and the network`, { cause: error });
      }
      if (!decision) throw error;
      const message = (error as Error).message;
      if (n >= options.maxAttempts) {
        // A network failure has no HTTP message worth repeating: its reason says it all.
        const tail = network ? '' : `: ${message}`;
        throw new RegistryError(`${label}: failed ${n} times (${decision.reason})${tail}`, { cause: error });
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
