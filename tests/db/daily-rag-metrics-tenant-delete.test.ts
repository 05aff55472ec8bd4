/**
 * The daily RAG metrics job and a tenant deleted while it runs (20261201200000): the job locks each
 * tenant as it reads it, so a delete that commits while the job waits for that tenant hides it (no
 * row for it, every other tenant's and the platform's written), instead of failing the whole run
 * with 23503 between the read of the tenants and the insert of the deleted one's metrics row.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, dbUrl } from '../helpers/db.ts';

const DAY = '2026-09-10';

describe('private.calculate_daily_rag_metrics and a concurrent tenant delete', () => {
  it('skips a tenant whose delete commits while the job waits for it; the others and the platform row are written', async () => {
    const sql = connect(dbUrl());
    const slug = `aaa-doomed-${process.pid}`; // sorts before the seed's tenants: the loop reaches it first
    const [doomed] = await sql`insert into public.tenants (name, slug) values ('Doomed', ${slug}) returning id`;
    const deleter = await sql.reserve();
    let job: Promise<{ label: string }[]> | undefined;
    try {
      await deleter`begin`;
      await deleter`delete from public.tenants where id = ${doomed.id}`;
      const [{ pid }] = await deleter`select pg_backend_pid() as pid`;
      const runner = await sql.reserve();
      try {
        const [{ pid: jobPid }] = await runner`select pg_backend_pid() as pid`;
        // In a transaction rolled back afterwards: the metrics rows are not kept.
        job = (async () => {
          await runner`begin`;
          try {
            return await runner<{ label: string }[]>`select m.label from private.calculate_daily_rag_metrics(${DAY}) m`;
          } finally {
            await runner`rollback`;
          }
        })();
        // The job waits for the deleting transaction's lock on the doomed tenant.
        for (let i = 0; ; i++) {
          const [w] = await sql`select wait_event_type, pg_blocking_pids(pid) as blockers from pg_stat_activity where pid = ${jobPid}`;
          if (w?.wait_event_type === 'Lock' && w.blockers.includes(pid)) break;
          assert.ok(i < 200, `the job did not wait for the delete (${JSON.stringify(w)})`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await deleter`commit`;
        const labels = (await job).map((r) => r.label);
        assert.ok(!labels.includes(slug), labels.join(', '));
        assert.ok(labels.includes('test-acme') && labels.includes('test-globex'), labels.join(', '));
        assert.equal(labels.at(-1), 'platform');
      } finally {
        runner.release();
      }
    } finally {
      await deleter`rollback`.catch(() => {});
      deleter.release();
      await sql`delete from public.tenants where id = ${doomed.id}`;
    }
  });
});
