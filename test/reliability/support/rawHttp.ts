import net from 'node:net';

// HTTP/1.1 written byte for byte: fetch and http.request normalise or refuse
// exactly the inputs a fuzzer wants to send (bad header bytes, odd methods,
// wrong lengths, invalid UTF-8 in the request line).

export type HeaderList = Array<[string, string | Buffer]>;

export interface RawRequestParts {
  method: string;
  target: string | Buffer;
  headers?: HeaderList;
  body?: Buffer | string;
  /** 'auto' (default) sends the body's length; a number lies about it; 'none' sends no Content-Length. */
  contentLength?: 'auto' | 'none' | number;
  version?: string;
}

const latin1 = (value: string | Buffer) => (typeof value === 'string' ? Buffer.from(value, 'latin1') : value);

export function buildRequest({ method, target, headers = [], body, contentLength = 'auto', version = 'HTTP/1.1' }: RawRequestParts): Buffer {
  const payload = body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const lines: Buffer[] = [Buffer.concat([latin1(method), Buffer.from(' '), latin1(target), Buffer.from(` ${version}\r\n`)])];
  // Every fuzz request asks to close: one request per connection keeps answers unambiguous.
  const all: HeaderList = [['Host', '127.0.0.1'], ['Connection', 'close'], ...headers];
  if (contentLength === 'auto' && (body !== undefined || method === 'POST' || method === 'PATCH' || method === 'PUT')) all.push(['Content-Length', String(payload.length)]);
  else if (typeof contentLength === 'number') all.push(['Content-Length', String(contentLength)]);
  for (const [name, value] of all) lines.push(Buffer.concat([latin1(name), Buffer.from(': '), latin1(value), Buffer.from('\r\n')]));
  lines.push(Buffer.from('\r\n'), payload);
  return Buffer.concat(lines);
}

export interface RawAnswer {
  /** The status of the first response, or null if none arrived. */
  status: number | null;
  outcome: 'answered' | 'closed' | 'timeout' | 'refused';
  head: string;
}

/**
 * Sends bytes on a fresh connection and reads until the server closes it (or
 * `timeoutMs`, a bound for a hang: the server answers or closes every case
 * itself, within its own 5 s keep-alive timeout at the latest).
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 60_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (outcome: RawAnswer['outcome']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const head = text.slice(0, Math.max(0, text.indexOf('\r\n\r\n')) || 300);
      resolve({ status: match ? Number(match[1]) : null, outcome: match && outcome !== 'refused' ? 'answered' : outcome, head });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'refused' : 'closed'));
    // The server may answer and close before it has read everything (413, 431): that is fine.
    socket.write(bytes, () => {});
  });
}
