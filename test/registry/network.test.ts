/**
 * A GitHub registry that cannot reach GitHub says why (the socket or DNS error) and which URL, instead of
 * "failed 6 times (HTTP 500)".
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/registry/errors.ts';
import { GitHubRegistry } from '../../src/registry/github.ts';
import { DEFAULT_RETRY, networkFailure, retryDecision } from '../../src/registry/retry.ts';

/** A loopback port nobody listens on: bound once to get a free number, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What fetch + Octokit throw for a failed DNS lookup: RequestError(500) ← TypeError("fetch failed") ← getaddrinfo. */
function dnsFailure(code: 'ENOTFOUND' | 'EAI_AGAIN') {
  const lookup = Object.assign(new Error(`getaddrinfo ${code} api.github.example`), { code, syscall: 'getaddrinfo' });
  const fetchError = new TypeError('fetch failed', { cause: lookup });
  return Object.assign(new Error(lookup.message), { status: 500, cause: fetchError });
}

describe('network failures talking to GitHub', () => {
  it('names "connection refused" and the full URL after the retries, not HTTP 500', async () => {
    const port = await closedPort();
    const slept: number[] = [];
    const registry = new GitHubRegistry({
      owner: 'octo',
      repo: 'models',
      token: 't',
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { maxAttempts: 3, sleep: async (ms) => void slept.push(ms) },
    });
    const error = await registry.list('penguins').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    const message = (error as Error).message;
    expect(message).toContain(`http://127.0.0.1:${port}/repos/octo/models/releases`);
    expect(message).toMatch(/failed 3 times \(connection refused \(.*ECONNREFUSED/);
    expect(message).not.toContain('HTTP 500');
    expect(slept).toHaveLength(2);
  });

  it('does not retry a host that does not exist, and says it is DNS', async () => {
    const error = dnsFailure('ENOTFOUND');
    expect(networkFailure(error)).toMatchObject({ code: 'ENOTFOUND', transient: false });
    expect(networkFailure(error)?.description).toMatch(/^DNS lookup failed: no such host \(getaddrinfo ENOTFOUND/);
    expect(retryDecision(error, 1, DEFAULT_RETRY)).toBeUndefined();
    // A busy resolver is worth another attempt.
    expect(retryDecision(dnsFailure('EAI_AGAIN'), 1, DEFAULT_RETRY)?.reason).toMatch(
      /^DNS lookup failed \(temporary\)/,
    );
  });

  it('reports an unresolvable host at once with the URL', async () => {
    const { withRetry } = await import('../../src/registry/retry.ts');
    let attempts = 0;
    const error = await withRetry(
      async () => {
        attempts++;
        throw dnsFailure('ENOTFOUND');
      },
      DEFAULT_RETRY,
      'GitHub GET https://api.github.example/repos/o/r/releases',
    ).catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect((error as Error).message).toBe(
      'GitHub GET https://api.github.example/repos/o/r/releases: DNS lookup failed: no such host ' +
        '(getaddrinfo ENOTFOUND api.github.example); check the URL and the network',
    );
  });

  it('leaves HTTP answers to the HTTP rules', () => {
    const http = Object.assign(new Error('Bad Gateway'), { status: 502, response: { status: 502, headers: {} } });
    expect(networkFailure(http)).toBeUndefined();
    expect(retryDecision(http, 1, DEFAULT_RETRY)?.reason).toBe('HTTP 502');
  });
});
