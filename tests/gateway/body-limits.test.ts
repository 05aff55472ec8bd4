/**
 * Request bodies are limited while they stream: a 300 MB chunked body to a function or a storage
 * upload is refused as soon as it passes the limit, and the gateway's peak memory (VmHWM of its
 * own process, started here) stays bounded. Before, bodies were read whole first (1-1.9 GB peaks).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { anonKey, serviceRoleKey, userToken } from '../helpers/api.ts';
import { startOwnGateway } from '../helpers/own-gateway.ts';
import { USER } from '../helpers/seed-ids.ts';

const MB = 1024 * 1024;
let own: Awaited<ReturnType<typeof startOwnGateway>>;
before(async () => { own = await startOwnGateway(); });
after(() => own.stop());

function memoryKb(field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${own.gateway.pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
}

/** POST `total` bytes as a chunked body (or with a declared length); resolves with the status and how much was sent. */
function send(path: string, headers: Record<string, string>, total: number, opts: { declare?: boolean } = {}): Promise<{ status: number; body: string; sentMb: number }> {
  const url = new URL(own.gateway.url);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= total) return this.push(null);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path, method: 'POST',
      headers: { ...headers, ...(opts.declare ? { 'Content-Length': String(total) } : { 'Transfer-Encoding': 'chunked' }) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        body.destroy();
        req.destroy();
        resolve({ status: res.statusCode!, body: text, sentMb: Math.round(sent / MB) });
      });
    });
    req.on('error', (err) => (sent >= total ? resolve({ status: 0, body: String(err), sentMb: Math.round(sent / MB) }) : reject(err)));
    body.pipe(req);
  });
}

describe('gateway: bodies limited while streaming', () => {
  it('refuses 300 MB bodies to functions and storage with 413 after reading little more than the limit, with bounded peak memory', async () => {
    const user = await userToken(USER.alice);
    // Warm up: every route's modules loaded and connections opened before the baseline is read.
    await send('/functions/v1/submit-feedback', { Authorization: `Bearer ${user}`, 'Content-Type': 'application/json' }, 1);
    await send('/functions/v1/ingest-response', { Authorization: `Bearer ${serviceRoleKey()}` }, 1);
    await send(`/storage/v1/object/conversation-files/raw/${USER.alice}/warm.json`, { Authorization: `Bearer ${anonKey()}`, 'Content-Type': 'application/json' }, 1);
    const baselineKb = memoryKb('VmRSS');

    // [route, headers, status for a chunked body, status for a declared Content-Length]
    const cases: { label: string; path: string; headers: Record<string, string>; chunked: number; declared: number }[] = [
      { label: 'submit-feedback (64 KB limit)', path: '/functions/v1/submit-feedback', headers: { Authorization: `Bearer ${user}`, 'Content-Type': 'application/json' }, chunked: 413, declared: 413 },
      { label: 'ingest-response (5 MB limit)', path: '/functions/v1/ingest-response', headers: { Authorization: `Bearer ${serviceRoleKey()}`, 'Content-Type': 'application/json' }, chunked: 413, declared: 413 },
      // A function that never reads its body answers as usual; a declared length over the gateway's limit is refused first.
      { label: 'whoami (reads no body)', path: '/functions/v1/whoami', headers: { apikey: anonKey() }, chunked: 200, declared: 413 },
      { label: 'storage upload with the anon key (refused before reading)', path: `/storage/v1/object/conversation-files/raw/${USER.alice}/big.json`, headers: { Authorization: `Bearer ${anonKey()}`, 'Content-Type': 'application/json' }, chunked: 400, declared: 400 },
      { label: 'storage upload by the owner (bucket limit 10 MiB)', path: `/storage/v1/object/conversation-files/raw/${USER.alice}/big.json`, headers: { Authorization: `Bearer ${user}`, 'Content-Type': 'application/json' }, chunked: 400, declared: 400 },
    ];
    for (const c of cases) {
      const chunked = await send(c.path, c.headers, 300 * MB);
      assert.equal(chunked.status, c.chunked, `${c.label}: ${chunked.body}`);
      const declared = await send(c.path, c.headers, 300 * MB, { declare: true });
      // The answer may come before the client has sent everything; then the socket closes on it.
      assert.ok([c.declared, 0].includes(declared.status), `${c.label} with Content-Length: ${declared.status} ${declared.body}`);
      console.log(`${c.label}: chunked ${chunked.status} after ${chunked.sentMb} MB sent, declared ${declared.status} after ${declared.sentMb} MB`);
    }
    const peakKb = memoryKb('VmHWM');
    const growthMb = Math.round((peakKb - baselineKb) / 1024);
    console.log(`gateway memory: baseline RSS ${Math.round(baselineKb / 1024)} MB, peak ${Math.round(peakKb / 1024)} MB (+${growthMb} MB) over ${cases.length * 2} bodies of 300 MB`);
    assert.ok(growthMb < 100, `peak memory grew by ${growthMb} MB`);
    // The owner's object was refused whole: nothing left behind.
    const left = await fetch(`${own.gateway.url}/storage/v1/object/info/conversation-files/raw/${USER.alice}/big.json`, { headers: { Authorization: `Bearer ${user}` } });
    assert.equal(JSON.parse(await left.text()).statusCode, '404');
  });
});
