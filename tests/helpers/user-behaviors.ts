/** Recording moderation violations through the RPC, for the user-behavior tests. */
import type { Tx } from './db.ts';
import { TENANT } from './seed-ids.ts';

/** One atomic_update_user_behavior call (defaults: acme, twitter, tw_1001, troll_account); its jsonb result. */
export const record = (tx: Tx, data: unknown, opts: { org?: string; platform?: string; user?: string; username?: string | null } = {}) =>
  tx`select public.atomic_update_user_behavior(${opts.org ?? TENANT.acme}, ${opts.platform ?? 'twitter'}, ${opts.user ?? 'tw_1001'},
       ${opts.username === undefined ? 'troll_account' : opts.username}, ${tx.json(data as never)}) as r`.then((rows) => rows[0].r);
