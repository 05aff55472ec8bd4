/** Realtime's publication carries the tables a chat client subscribes to; the migration can be re-applied. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { asOwner } from '../helpers/db.ts';

const migration = fs.readFileSync(path.join(repoRoot, 'supabase', 'migrations', '20261201130000_add_realtime_publication.sql'), 'utf8');
const rollback = fs.readFileSync(path.join(repoRoot, 'supabase', 'rollbacks', '20261201130000_add_realtime_publication.down.sql'), 'utf8');

const published = (tx: Parameters<Parameters<typeof asOwner>[0]>[0]) =>
  tx`select tablename from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' order by tablename`;

describe('supabase_realtime publication', () => {
  it('streams conversations and messages (RLS still decides who receives a change)', async () => {
    await asOwner(async (tx) => {
      assert.deepEqual((await published(tx)).map((r) => r.tablename), ['conversations', 'messages']);
      const [pub] = await tx`select pubinsert, pubupdate, pubdelete from pg_publication where pubname = 'supabase_realtime'`;
      assert.deepEqual(pub, { pubinsert: true, pubupdate: true, pubdelete: true });
    });
  });

  it('re-applying the migration changes nothing; the rollback takes the tables out and keeps the publication', async () => {
    await asOwner(async (tx) => {
      await tx.unsafe(migration);
      assert.deepEqual((await published(tx)).map((r) => r.tablename), ['conversations', 'messages']);
      await tx.unsafe(rollback);
      assert.deepEqual((await published(tx)).map((r) => r.tablename), []);
      const [{ n }] = await tx`select count(*)::int as n from pg_publication where pubname = 'supabase_realtime'`;
      assert.equal(n, 1);
      await tx.unsafe(rollback); // nothing left to drop: still fine
    }); // asOwner rolls back: the publication is as the migrations left it
  });
});
