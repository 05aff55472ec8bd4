/**
 * Fires N atomic_update_user_behavior calls at once on separate connections and checks that
 * none was lost: exit 0 only if every call succeeded and the count grew by exactly N.
 *
 *   node --import tsx scripts/ops/shield/test-concurrent-actions.ts --user-id=<platform user> --actions=N
 *        [--platform=twitter] [--org=<uuid>] [--connections=32] [--severity=low]
 *
 * Uses DATABASE_URL, or the local stack's database.
 */
import postgres from 'postgres';
import { StackError } from '../../lib/stack-error.ts';
import { parseCli, positiveInt, runCli, targetDatabaseUrl } from '../../lib/cli.ts';
import { accountFrom, accountOptions, describeAccount, violationCount } from './common.ts';

const USAGE = 'test-concurrent-actions.ts --user-id=<platform user> --actions=N [--platform=twitter] [--org=<uuid>] [--connections=32] [--severity=low]';

await runCli('test-concurrent-actions', async () => {
  const values = parseCli({ ...accountOptions, actions: { type: 'string' }, connections: { type: 'string' }, severity: { type: 'string', default: 'low' } }, USAGE);
  let account;
  try {
    account = accountFrom(values);
  } catch (err) {
    throw new StackError((err as Error).message, `usage: ${USAGE}`);
  }
  const actions = positiveInt('actions', values.actions);
  const connections = Math.min(actions, positiveInt('connections', values.connections, 32));
  const sql = postgres(await targetDatabaseUrl(), { max: connections, onnotice: () => {}, connect_timeout: 10 });
  try {
    const before = await violationCount(sql, account);
    const t0 = performance.now();
    const results = await Promise.allSettled(Array.from({ length: actions }, (_, i) => sql`
      select public.atomic_update_user_behavior(${account.org}, ${account.platform}, ${account.userId}, null,
        ${sql.json({ severity: values.severity!, comment_id: `concurrency-test-${Date.now()}-${i}`, action_tags: ['concurrency_test'] })})`));
    const ms = performance.now() - t0;
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    const after = await violationCount(sql, account);
    const ok = failed.length === 0 && after === before + actions;
    const detail = `${actions} concurrent actions on ${describeAccount(account)} over ${connections} connections: count ${before} -> ${after} (expected ${before + actions}), ${failed.length} failed, ${ms.toFixed(0)} ms`;
    console.log(`${ok ? 'ok' : 'FAIL'}: ${detail}${failed.length ? `; first error: ${(failed[0].reason as Error).message}` : ''}`);
    return ok ? 0 : 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
});
