/**
 * External load generators for bench/serve.ts, and the floor they are compared with:
 * - `wrk` (closed loop, as many requests as the server answers) for throughput;
 * - `hey -q` (each of `c` workers sends at a fixed rate) for latency at a fixed offered load;
 * - a bare node:http JSON echo (parse the body, stringify it back): what any Node HTTP JSON service pays
 *   before doing any work, measured in the same run so that the machine's load falls on both alike.
 * Debian: `apt-get install -y wrk hey`.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface HttpLoadResult {
  readonly rps: number;
  /** Requests answered. */
  readonly requests: number;
  /** Latency quantiles in ms. */
  readonly p50: number;
  readonly p99: number;
  /** Requests that failed or were not answered 2xx. */
  readonly errors: number;
}

/** A node:http server answering every POST with the JSON body it received (parsed and serialised again). */
export async function startBareEcho(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/echo`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.once('error', (error) => reject(new Error(`${command}: ${error.message} (apt-get install -y wrk hey)`)));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}`))));
  });
}

/** A wrk duration or latency ("1.23ms", "850.00us", "1.02s") in ms. */
function wrkMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!match) throw new Error(`wrk: cannot read the time "${text}"`);
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** What serving one request cost this process, in µs of CPU: the HTTP (main) thread's, and all threads'. */
export interface CostPerRequest {
  readonly httpThreadUs: number;
  readonly cpuUs: number;
}

/**
 * Runs `load` and measures this process's CPU time per request: the main thread's (the HTTP loop, the
 * bottleneck of a Node server) and the whole process's (every thread). Unlike req/s on a shared
 * machine, these barely depend on what other processes do, so their ratios compare runs made minutes apart.
 */
export async function costOf<T extends HttpLoadResult>(load: () => Promise<T>): Promise<T & CostPerRequest> {
  const thread = mainThreadCpuUs();
  const cpu = process.cpuUsage();
  const result = await load();
  const threadUs = mainThreadCpuUs() - thread;
  const used = process.cpuUsage(cpu);
  const n = Math.max(1, result.requests);
  return { ...result, httpThreadUs: threadUs / n, cpuUs: (used.user + used.system) / n };
}

/**
 * CPU time of this process's main thread (the HTTP loop) in µs, from /proc (Linux; clock ticks of 10 ms,
 * fine over a run of seconds). Wall-clock busy time (event-loop utilisation) would count the time the
 * thread waits for a core on a loaded machine.
 */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1e6 / CLOCK_TICKS_PER_SECOND);
}

/** USER_HZ: 100 on Linux on x86 and arm. */
const CLOCK_TICKS_PER_SECOND = 100;

/** wrk, closed loop: POSTs `bodies` in turn on each of `connections` connections for `seconds`. */
export async function wrkLoad(
  url: string,
  bodies: readonly string[],
  connections: number,
  seconds: number,
  work: string,
): Promise<HttpLoadResult> {
  const script = join(work, 'wrk-post.lua');
  writeFileSync(
    script,
    [
      `local bodies = {${bodies.map((b) => JSON.stringify(b)).join(',\n')}}`,
      'local requests = {}',
      'local i = 0',
      'init = function(args)',
      '  for k, body in ipairs(bodies) do',
      '    requests[k] = wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)',
      '  end',
      'end',
      'request = function()',
      '  i = i % #requests + 1',
      '  return requests[i]',
      'end',
      '',
    ].join('\n'),
  );
  const out = await run('wrk', [
    '-t',
    '2',
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--latency',
    '-s',
    script,
    url,
  ]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const requests = /(\d+) requests in/.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  if (!rps || !p50 || !p99) throw new Error(`wrk: unexpected output:\n${out}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors =
    Number(non2xx?.[1] ?? 0) + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return {
    rps: Number(rps[1]),
    requests: Number(requests?.[1] ?? 0),
    p50: wrkMs(p50[1]!),
    p99: wrkMs(p99[1]!),
    errors,
  };
}

/**
 * hey at a fixed rate: `connections` workers each sending `ratePerConnection` requests/s (so
 * connections × rate offered in total) of `body` for `seconds`.
 */
export async function heyFixedRate(
  url: string,
  body: string,
  connections: number,
  ratePerConnection: number,
  seconds: number,
  work: string,
): Promise<HttpLoadResult> {
  const file = join(work, 'hey-body.json');
  writeFileSync(file, body);
  const out = await run('hey', [
    '-z',
    `${seconds}s`,
    '-c',
    String(connections),
    '-q',
    String(ratePerConnection),
    '-m',
    'POST',
    '-T',
    'application/json',
    '-D',
    file,
    url,
  ]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /50% in ([\d.]+) secs/.exec(out);
  const p99 = /99% in ([\d.]+) secs/.exec(out);
  if (!rps || !p50 || !p99) throw new Error(`hey: unexpected output:\n${out}`);
  const statuses = [...out.matchAll(/\[(\d{3})\]\s+(\d+) responses/g)];
  const failed = out.split('Error distribution:')[1] ?? '';
  const errors =
    statuses.filter(([, code]) => !code!.startsWith('2')).reduce((a, [, , n]) => a + Number(n), 0) +
    [...failed.matchAll(/^\s+\[(\d+)\]/gm)].reduce((a, [, n]) => a + Number(n), 0);
  const answered = statuses.reduce((a, [, , n]) => a + Number(n), 0);
  return { rps: Number(rps[1]), requests: answered, p50: Number(p50[1]) * 1000, p99: Number(p99[1]) * 1000, errors };
}
