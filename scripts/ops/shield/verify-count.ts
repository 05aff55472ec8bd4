/**
 * Checks an account's violation count: exit 0 when it equals the expected number.
 *
 *   node --import tsx scripts/ops/shield/verify-count.ts --user-id=<platform user> --expected-count=N
 *        [--platform=twitter] [--org=<uuid>]
 *
 * Uses DATABASE_URL, or the local stack's database.
 */
import postgres from 'postgres';
import { StackError } from '../../lib/stack-error.ts';
import { nonNegativeInt, parseCli, runCli, targetDatabaseUrl } from '../../lib/cli.ts';
import { accountFrom, accountOptions, describeAccount, violationCount } from './common.ts';

const USAGE = 'verify-count.ts --user-id=<platform user> --expected-count=N [--platform=twitter] [--org=<uuid>]';

await runCli('verify-count', async () => {
  const values = parseCli({ ...accountOptions, 'expected-count': { type: 'string' } }, USAGE);
  let account;
  try {
    account = accountFrom(values);
  } catch (err) {
    throw new StackError((err as Error).message, `usage: ${USAGE}`);
  }
  const expected = nonNegativeInt('expected-count', values['expected-count']);
  const sql = postgres(await targetDatabaseUrl(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const count = await violationCount(sql, account);
    const ok = count === expected;
    console.log(`${ok ? 'ok' : 'FAIL'}: ${describeAccount(account)} has ${count} violations${ok ? '' : `, expected ${expected}`}`);
    return ok ? 0 : 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
});
