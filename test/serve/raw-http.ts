/**
 * HTTP/1.1 over a bare TCP socket, for tests that need what fetch cannot send or show: a body in several
 * writes, a request cut off mid-body, two requests on one connection, HEAD, the exact response headers.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>;

  private readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.waiter?.();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  /** Connects to 127.0.0.1:`port`. */
  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  /** Resets the connection (as a client that gives up mid-request). */
  destroy(): void {
    this.socket.resetAndDestroy();
  }

  end(): void {
    this.socket.end();
  }

  /** The next response (`head`: it has no body whatever its content-length says). */
  async response(options: { head?: boolean } = {}): Promise<RawResponse> {
    for (;;) {
      const parsed = this.parse(options.head === true);
      if (parsed) return parsed;
      if (this.ended) throw new Error(`connection closed before a full response: ${JSON.stringify(this.text())}`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
  }

  private text(): string {
    return this.buffer.toString('latin1');
  }

  private parse(head: boolean): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(lines[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const start = end + 4;
    let body: Buffer;
    let next: number;
    if (head || status < 200 || status === 204 || status === 304) {
      body = Buffer.alloc(0);
      next = start;
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (this.buffer.length < start + length) return undefined;
      body = this.buffer.subarray(start, start + length);
      next = start + length;
    } else if (headers['transfer-encoding'] === 'chunked') {
      const parts: Buffer[] = [];
      let at = start;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return undefined;
        const size = Number.parseInt(this.buffer.subarray(at, lineEnd).toString('latin1'), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return undefined;
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
      next = at;
    } else {
      // Body until the connection closes.
      if (!this.ended) return undefined;
      body = this.buffer.subarray(start);
      next = this.buffer.length;
    }
    this.buffer = this.buffer.subarray(next);
    return { status, headers, body: body.toString('utf8') };
  }
}

/** A request head (CRLF line ends, blank line included) for `method path` with `headers`. */
export function requestHead(method: string, path: string, headers: Readonly<Record<string, string | number>>): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** `body` as chunked transfer coding, cut into `pieces` chunks. */
export function chunked(body: string, pieces: number): string[] {
  const size = Math.ceil(body.length / pieces);
  const out: string[] = [];
  for (let at = 0; at < body.length; at += size) {
    const part = body.slice(at, at + size);
    out.push(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
  }
  out.push('0\r\n\r\n');
  return out;
}
