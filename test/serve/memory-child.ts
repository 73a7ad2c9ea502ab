/**
 * A server in a child process whose memory the parent can read (test/serve/limits.test.ts): the parent
 * sends `reset` (garbage-collect, then restart the kernel's peak-RSS counter) and `peak` (the peak RSS
 * since the reset, and the RSS now after a collection), and posts requests in between.
 * Run as `node --expose-gc --import tsx memory-child.ts <model dir> <log path> [max rows]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { startServer } from '../../src/serve/index.ts';

const [modelDir, logPath, maxRows] = process.argv.slice(2);

/** A field of /proc/self/status in bytes (VmRSS, VmHWM). */
function statusBytes(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!match) throw new Error(`/proc/self/status has no ${field}`);
  return Number(match[1]) * 1024;
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

const server = await startServer({
  source: { kind: 'dir', path: modelDir! },
  port: 0,
  logger: 'silent',
  predictionLog: { path: logPath!, sampleRate: 1, maxBytes: 64 * 1024 * 1024, maxFiles: 1 },
  ...(maxRows ? { maxRows: Number(maxRows) } : {}),
});

process.on('message', (message: { cmd: string }) => {
  if (message.cmd === 'reset') {
    collect();
    // "5" resets the peak resident set size (VmHWM) to the current one (Linux ≥ 4.0).
    writeFileSync('/proc/self/clear_refs', '5');
    process.send!({ rss: statusBytes('VmRSS') });
  } else if (message.cmd === 'peak') {
    const peak = statusBytes('VmHWM');
    collect();
    process.send!({ peak, rss: statusBytes('VmRSS') });
  } else if (message.cmd === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
process.send!({ url: server.url });
