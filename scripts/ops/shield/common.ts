/** What the Shield scripts share: their arguments and the moderation record they read. */
import type { Sql } from 'postgres';
import { Constants, type Database } from '../../../supabase/functions/_shared/database.types.ts';
import { uuidArg } from '../../lib/cli.ts';

type Platform = Database['public']['Enums']['moderation_platform'];
const PLATFORMS: readonly string[] = Constants.public.Enums.moderation_platform;

/** The seed's test-acme tenant: the default organization of the Shield scripts. */
export const DEFAULT_ORG = '10000000-0000-4000-8000-000000000001';

export const accountOptions = {
  'user-id': { type: 'string' },
  platform: { type: 'string', default: 'twitter' },
  org: { type: 'string', default: DEFAULT_ORG },
} as const;

export interface Account { org: string; platform: Platform; userId: string }

export function accountFrom(values: { 'user-id'?: string; platform?: string; org?: string }): Account {
  if (!values['user-id']) throw new Error('--user-id=<platform user id> is required');
  const platform = values.platform!;
  if (!PLATFORMS.includes(platform)) throw new Error(`--platform must be one of ${PLATFORMS.join(', ')} (got "${platform}")`);
  return { org: uuidArg('org', values.org!), platform: platform as Platform, userId: values['user-id'] };
}

export const describeAccount = (a: Account) => `${a.platform}/${a.userId} in organization ${a.org}`;

/** total_violations of the account, 0 when it has no record yet. */
export async function violationCount(sql: Sql, a: Account): Promise<number> {
  const [row] = await sql`select total_violations from public.user_behaviors
                          where tenant_id = ${a.org} and platform = ${a.platform} and platform_user_id = ${a.userId}`;
  return row ? Number(row.total_violations) : 0;
}
