/**
 * Raw HTTP/1.1 for the fuzz suite: one request per connection over a plain socket, so a request
 * can carry what fetch and node:http refuse or rewrite (any method, a request target sent byte
 * for byte with dot segments and bad percent-encoding, chunked bodies, a Content-Length that
 * does not match the body). The framing stays well formed: hostile content, not broken HTTP.
 */
import net from 'node:net';
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  /** The request target, sent as is (ASCII; the generators percent-encode everything else). */
  target: string;
  headers: [string, string][];
  body?: Uint8Array;
  /** Send the body with Transfer-Encoding: chunked, split into pieces of this size. */
  chunked?: number;
  /** Declare this Content-Length instead of the body's. Longer than the body: the rest never comes. */
  declaredLength?: number;
  /** What the generator meant, for counterexamples and failure classes. */
  note: string;
}

export interface FuzzResponse {
  /** 0: no answer before the client gave up (only for a declared length the body never reaches). */
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Bytes after the header block as received (for HEAD: must be none). */
  rawBodyLength: number;
}

const enc = new TextEncoder();

function escapeForDisplay(text: string, max = 400): string {
  const shown = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${shown}... (${text.length} chars)` : shown;
}

/** A readable description of a request (what fast-check prints as the counterexample). */
export function describeRequest(r: FuzzRequest): string {
  const lines = [`${r.method} ${escapeForDisplay(r.target, 300)}  [${r.note}]`];
  for (const [k, v] of r.headers) lines.push(`  ${k}: ${escapeForDisplay(v, 200)}`);
  if (r.chunked) lines.push(`  (body sent chunked, ${r.chunked}-byte chunks)`);
  if (r.declaredLength !== undefined) lines.push(`  (Content-Length declared ${r.declaredLength}, body ${r.body?.length ?? 0} bytes)`);
  if (r.body?.length) lines.push(`  body ${r.body.length} bytes: ${escapeForDisplay(Buffer.from(r.body).toString('utf8'))}`);
  return lines.join('\n');
}

/** Give a request the toString fast-check uses in its reports. */
export function request(r: FuzzRequest): FuzzRequest {
  return Object.defineProperty(r, fc.toStringMethod, { value: () => `\n${describeRequest(r)}\n`, enumerable: false, configurable: true });
}

export const utf8 = (s: string) => enc.encode(s);

function chunkedBody(body: Uint8Array, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const piece = body.subarray(i, i + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), Buffer.from(piece), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const eol = body.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(body.subarray(pos, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** The answer in these bytes, or 'incomplete'. Interim answers (100 Continue) are skipped. */
function parseAnswer(bytes: Buffer, head: boolean, closed: boolean): FuzzResponse | 'incomplete' {
  let all = bytes;
  while (/^HTTP\/1\.1 1\d\d /.test(all.subarray(0, 13).toString('latin1')) && all.indexOf('\r\n\r\n') >= 0) all = all.subarray(all.indexOf('\r\n\r\n') + 4);
  const split = all.indexOf('\r\n\r\n');
  if (split < 0) return 'incomplete';
  const [statusLine, ...headerLines] = all.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const raw = all.subarray(split + 4);
  const status = Number(statusLine.split(' ')[1]);
  const chunked = /chunked/i.test(headers['transfer-encoding'] ?? '');
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  const complete = closed || head || status === 204 || status === 304
    || (chunked ? /(^|\r\n)0\r\n(.*\r\n)*\r\n$/.test(raw.subarray(-64).toString('latin1')) : length !== undefined && raw.length >= length);
  if (!complete) return 'incomplete';
  return { status, headers, body: chunked ? dechunk(raw) : raw, rawBodyLength: raw.length };
}

/** Send one request to base (http://host:port) and read its answer. */
export function send(base: string, r: FuzzRequest, timeoutMs = 10_000): Promise<FuzzResponse> {
  const url = new URL(base);
  const body = r.body ?? new Uint8Array();
  const head = [`${r.method} ${r.target} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', ...r.headers.map(([k, v]) => `${k}: ${v}`)];
  if (r.chunked) head.push('Transfer-Encoding: chunked');
  else if (r.declaredLength !== undefined || body.length > 0 || ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)) {
    head.push(`Content-Length: ${r.declaredLength ?? body.length}`);
  }
  const payload = r.chunked ? chunkedBody(body, r.chunked) : Buffer.from(body);
  // A body shorter than its declared length is never completed: wait briefly for an early answer
  // (413 from the header alone), then hang up, as a client that went away would.
  const starved = !r.chunked && r.declaredLength !== undefined && r.declaredLength > body.length;
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    let done = false;
    const finish = (res: FuzzResponse | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (res instanceof Error) reject(res); else resolve(res);
    };
    // An answer is complete once its Content-Length (or last chunk) is in: the server may keep the
    // connection open after it (an unread request body), so waiting for the close would hang.
    const tryParse = (closed: boolean) => {
      const parsed = parseAnswer(Buffer.concat(received), r.method === 'HEAD', closed);
      if (parsed === 'incomplete') {
        if (closed) finish(starved ? { status: 0, headers: {}, body: Buffer.alloc(0), rawBodyLength: 0 } : new Error(`no complete HTTP answer to ${r.method} ${r.target}`));
        return;
      }
      // HEAD: a moment more, so a body sent after the headers is seen.
      if (r.method === 'HEAD' && !closed) { setTimeout(() => finish(parseAnswer(Buffer.concat(received), true, true) as FuzzResponse), 30); return; }
      finish(parsed);
    };
    const timer = setTimeout(() => {
      if (starved) return tryParse(true);
      finish(new Error(`no answer within ${timeoutMs} ms to ${r.method} ${r.target}`));
    }, starved ? 150 : timeoutMs);
    socket.on('data', (d) => { received.push(d); tryParse(false); });
    socket.on('end', () => tryParse(true));
    socket.on('error', (err) => (starved || received.length ? tryParse(true) : finish(err)));
    socket.write(Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), payload]));
  });
}
