/**
 * The one resume loop for pending raw responses (supabase/functions/_shared/resume-pending.ts)
 * against the real ingest-response/resume, and its two users: the refresh-views step and the ops
 * job scripts/ops/jobs/upload-pending-responses.ts. In a scratch database with a gateway of its own,
 * so no other test file's refresh-views run resumes these rows first. The functions reach storage
 * through a proxy in this test that can fail uploads (all, or one conversation's) with 503: a
 * storage outage, real to the functions.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Gateway } from '../../scripts/local/stack/gateway-process.ts';
import { freePort } from '../../scripts/local/stack/postgres-server.ts';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { type PendingIngestion, type ResumeResult, resumePendingIngestions } from '../../supabase/functions/_shared/resume-pending.ts';
import { anonKey, serviceRoleKey } from '../helpers/api.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { TENANT, USER } from '../helpers/seed-ids.ts';

const GOOD = JSON.stringify({ turns: [{ role: 'user', content: 'Refund?' }, { role: 'assistant', content: 'Within 90 days.' }] });

/** Forwards everything to the gateway, except storage requests `failing` picks: those get 503. */
async function storageProxy(gatewayPort: number, failing: (url: string) => boolean) {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/storage/') && failing(req.url)) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: '503', error: 'Service Unavailable', message: 'storage is down (test)' }));
      return;
    }
    const upstream = http.request({ host: '127.0.0.1', port: gatewayPort, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('resume pending raw responses', () => {
  it('pages through the pending list within the limit, counts stored, gone and still pending, and both jobs report them', async () => {
    await withScratchDatabase('resume_pending', { migrate: true, seed: true }, async (db) => {
      const sql = db.open(2);
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-resume-'));
      let failing: (url: string) => boolean = () => true;
      const port = await freePort();
      const storageCalls: string[] = [];
      const proxy = await storageProxy(port, (url) => {
        storageCalls.push(url);
        return failing(url);
      });
      const gateway = new Gateway({
        host: '127.0.0.1', port, apiUrl: proxy.url, jwtSecret: process.env.TEST_JWT_SECRET!, anonKey: anonKey(), serviceRoleKey: serviceRoleKey(),
        dbUrl: db.url, storageDbUrl: `postgresql://supabase_storage_admin:postgres@${new URL(db.url).host}${new URL(db.url).pathname}`,
        storageRoot: root, logFile: path.join(root, 'gateway.log'), schedules: false,
      });
      await gateway.start();
      const post = async (fn: string, body: unknown) => {
        const res = await fetch(`${gateway.url}/functions/v1/${fn}`, {
          method: 'POST', headers: { Authorization: `Bearer ${serviceRoleKey()}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      };
      const listPending = (limit: number) => sql<PendingIngestion[]>`select id, conversation_id from private.pending_raw_ingestions(${limit})`;
      const resume = (limit: number, extra: { listPending?: (limit: number) => Promise<readonly PendingIngestion[]>; onResult?: (r: unknown) => void } = {}) =>
        resumePendingIngestions({ functionsUrl: `${gateway.url}/functions/v1`, serviceRoleKey: serviceRoleKey(), listPending, limit, ...extra });
      try {
        // Three responses accepted while storage is down: kept in the database, 202.
        const convs = await sql<{ id: string }[]>`
          insert into public.conversations (tenant_id, user_id, title) select ${TENANT.acme}, ${USER.alice}, 'resume ' || n from generate_series(1, 3) n returning id`;
        const accepted = await Promise.all(convs.map((c) => post('ingest-response', { conversation_id: c.id, raw_response: GOOD })));
        assert.deepEqual(accepted.map((a) => [a.status, a.body.processing_status]), Array(3).fill([202, 'storage_pending']));
        const all = [...await listPending(10)];
        assert.deepEqual(all.map((p) => p.conversation_id).sort(), convs.map((c) => c.id).sort());
        const [a, b, c] = all; // oldest first, as the list gives them

        // A limit that is not a whole number of 1 or more is refused before the list is read.
        for (const bad of [0, -1, 1.5, Number.NaN]) {
          let listed = false;
          await assert.rejects(resume(bad, { listPending: async (n) => { listed = true; return await listPending(n); } }), RangeError);
          assert.equal(listed, false, `limit ${bad}: nothing read`);
        }

        // Storage still down: the first (limit 1) is tried and stays pending, the others are not touched.
        const seen: unknown[] = [];
        storageCalls.length = 0;
        const down = await resume(1, { onResult: (r) => seen.push(r) });
        assert.equal(down.failures.length, 1);
        assert.deepEqual({ ...down, failures: [] }, { listed: 1, stored: 0, gone: 0, failures: [] });
        assert.deepEqual([down.failures[0].ingestion, down.failures[0].status], [a, 503]);
        assert.match(down.failures[0].message, /^storage is still unavailable: /);
        assert.deepEqual(seen, down.failures);
        assert.ok(storageCalls.length > 0 && storageCalls.every((u) => u.includes(a.conversation_id)), storageCalls.join('\n'));
        assert.equal((await listPending(10)).length, 3, 'all three still pending');

        // The refresh-views step: every pending one tried, the step failed with the first three named, the run partial.
        const run = await post('refresh-views', { job: 'refresh' });
        assert.equal(run.body.status, 'partial');
        const step = run.body.steps.find((s: { step: string }) => s.step === 'upload_pending_responses');
        assert.deepEqual([step.status, step.rows, step.error], ['failed', null, `3 of 3 pending responses still not stored (${a.id}: 503, ${b.id}: 503, ${c.id}: 503)`]);

        // The ops job: exit 1, each one still pending named with the route's reason, and the count.
        // Not spawnSync: the proxy answering the functions' storage calls runs on this process's event loop.
        const job = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = execFile(process.execPath, ['--import', 'tsx', 'scripts/ops/jobs/upload-pending-responses.ts', '--limit=1'], {
            cwd: repoRoot, encoding: 'utf8', env: { ...process.env, DATABASE_URL: db.url, API_URL: gateway.url, SERVICE_ROLE_KEY: serviceRoleKey() },
          }, (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }));
        });
        assert.equal(job.status, 1, job.stdout + job.stderr);
        assert.match(job.stdout, new RegExp(`^still pending ${a.id} \\(conversation ${a.conversation_id}\\): 503 storage is still unavailable: .*\\n0 of 1 pending responses stored\\n$`));

        // Storage back except for b's conversation: a partial run, limit 2: a stored, b still pending, c untouched.
        failing = (url) => url.includes(b.conversation_id);
        const partial = await resume(2);
        assert.deepEqual([partial.listed, partial.stored, partial.gone, partial.failures.map((f) => [f.ingestion.id, f.status])], [2, 1, 0, [[b.id, 503]]]);
        assert.deepEqual((await listPending(10)).map((p) => p.id), [b.id, c.id], 'the next page starts with what is left');

        // Storage back: b stored; c's conversation is deleted after the list was read, so it is gone (404), not a failure.
        failing = () => false;
        const lastSeen: ResumeResult[] = [];
        const last = await resume(10, {
          onResult: (r) => lastSeen.push(r as ResumeResult),
          listPending: async (limit) => {
            const rows = await listPending(limit);
            await sql`delete from public.conversations where id = ${c.conversation_id}`;
            return rows;
          },
        });
        assert.deepEqual(last, { listed: 2, stored: 1, gone: 1, failures: [] });
        assert.deepEqual([...await listPending(10)], []);
        const done = await sql`select processing_status, (select count(*)::int from public.messages m where m.conversation_id = c.id) as messages
                               from public.conversations c where id in ${sql([a.conversation_id, b.conversation_id])}`;
        assert.deepEqual(done.map((r) => [r.processing_status, r.messages]), [['completed', 2], ['completed', 2]]);

        // Nothing left: the step succeeds with 0 rows, and the job exits 0.
        const clean = await post('refresh-views', { job: 'refresh' });
        const cleanStep = clean.body.steps.find((s: { step: string }) => s.step === 'upload_pending_responses');
        assert.deepEqual([clean.body.status, cleanStep.status, cleanStep.rows], ['succeeded', 'succeeded', 0]);
      } finally {
        await gateway.stop();
        await proxy.close();
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
