import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/registry/errors.ts';
import { DEFAULT_RETRY, type RetryOptions, retryDecision, withRetry } from '../../src/registry/retry.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function options(overrides: Partial<RetryOptions> = {}): RetryOptions & { slept: number[] } {
  const slept: number[] = [];
  return {
    ...DEFAULT_RETRY,
    now: () => NOW,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...overrides,
    slept,
  };
}

/** An error shaped like Octokit's RequestError. */
function httpError(status: number, headers: Record<string, string> = {}, message = 'failed') {
  return Object.assign(new Error(message), { status, response: { headers } });
}

describe('retryDecision', () => {
  it('backs off exponentially on 5xx and network errors, capped at maxDelayMs', () => {
    const o = options({ baseDelayMs: 100, maxDelayMs: 500 });
    expect([1, 2, 3, 4].map((n) => retryDecision(httpError(502), n, o)?.delayMs)).toEqual([100, 200, 400, 500]);
    expect(retryDecision(new TypeError('fetch failed'), 1, o)?.delayMs).toBe(100);
  });

  it('honours Retry-After in seconds or as an HTTP date, on 403 and 429', () => {
    expect(retryDecision(httpError(403, { 'retry-after': '30' }), 1, options())?.delayMs).toBe(30_000);
    const date = new Date(NOW + 5_000).toUTCString();
    expect(retryDecision(httpError(429, { 'retry-after': date }), 1, options())?.delayMs).toBe(5_000);
  });

  it('waits for x-ratelimit-reset when the primary limit is spent', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 120) };
    expect(retryDecision(httpError(403, headers), 1, options())?.delayMs).toBe(121_000);
  });

  it('waits a minute on a secondary rate limit without headers', () => {
    const error = httpError(403, {}, 'You have exceeded a secondary rate limit');
    expect(retryDecision(error, 1, options())?.delayMs).toBe(60_000);
  });

  it('does not retry other client errors (a plain 403 is a permission problem)', () => {
    for (const status of [400, 401, 403, 404, 422])
      expect(retryDecision(httpError(status), 1, options())).toBeUndefined();
  });
});

describe('withRetry', () => {
  it('retries until success and sleeps the decided delays', async () => {
    const o = options({ baseDelayMs: 10 });
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw httpError(500);
        if (calls === 2) throw httpError(403, { 'retry-after': '2' });
        return 'ok';
      },
      o,
      'GET /x',
    );
    expect(result).toBe('ok');
    expect(o.slept).toEqual([10, 2000]);
  });

  it('rethrows non-retryable errors unchanged', async () => {
    const error = httpError(404);
    await expect(withRetry(async () => Promise.reject(error), options(), 'GET /x')).rejects.toBe(error);
  });

  it('stops after maxAttempts and when a wait would exceed the budget', async () => {
    const o = options({ maxAttempts: 3, baseDelayMs: 1 });
    await expect(withRetry(async () => Promise.reject(httpError(500)), o, 'GET /x')).rejects.toThrow(
      /GET \/x: failed 3 times \(HTTP 500\)/,
    );
    expect(o.slept).toEqual([1, 2]);
    const budget = options({ maxTotalDelayMs: 10_000 });
    const limited = withRetry(async () => Promise.reject(httpError(429, { 'retry-after': '11' })), budget, 'POST /y');
    await expect(limited).rejects.toBeInstanceOf(RegistryError);
    await expect(limited).rejects.toThrow(/asks to wait 11 s, beyond the retry budget \(10 s left\)/);
    expect(budget.slept).toEqual([]);
  });
});
