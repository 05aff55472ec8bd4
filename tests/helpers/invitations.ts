/**
 * Invitation fixtures inside a scenario, shared by tests/db/invitations-*.test.ts and
 * tests/db/tenancy-invited.test.ts: an account as Auth creates it at sign-up (no profile),
 * create_invitation as a given user, accept_invitation (its result or its error) and the
 * acme owner the seed lacks.
 */
import { createAccount, type Scenario, type Tx } from './db.ts';
import { TENANT } from './seed-ids.ts';

let accounts = 0;

/** An account that can accept an invitation: its id and the claims its access token carries. */
export interface Invitee { id: string; claims?: Record<string, unknown> }

/** An account as Auth creates it at sign-up, without a profile. */
export async function signUp(owner: Tx, opts: { email?: string; name?: string } = {}): Promise<{ id: string; email: string; claims: { email: string } }> {
  accounts++;
  const email = opts.email ?? `invitee-${process.pid}-${accounts}@example.test`;
  const meta = opts.name ? { display_name: opts.name } : {};
  const [row] = await owner`
    insert into auth.users (id, aud, role, email, email_confirmed_at, raw_user_meta_data, created_at, updated_at)
    values (gen_random_uuid(), 'authenticated', 'authenticated', ${email}, now(), ${owner.json(meta)}, now(), now())
    returning id`;
  return { id: row.id as string, email, claims: { email } };
}

export interface Invitation { id: string; token: string; tenant_id: string; role: string; email: string | null; max_uses: number | null; expires_at: Date }

/** create_invitation as user `by` (defaults: member, no email, 24 hours, one use). */
export async function invite(s: Scenario, by: string, args: { role?: string; email?: string | null; expiresIn?: string | null; maxUses?: number | null } = {}): Promise<Invitation> {
  const [row] = await s.as({ user: by }, (tx) => tx`
    select * from public.create_invitation(${args.role ?? 'member'}, ${args.email ?? null},
                                           coalesce(${args.expiresIn ?? null}::interval, interval '24 hours'),
                                           ${args.maxUses === undefined ? 1 : args.maxUses})`);
  return row as unknown as Invitation;
}

export const accept = (s: Scenario, who: Invitee, token: string) =>
  s.as({ user: who.id, claims: who.claims }, (tx) => tx`select * from public.accept_invitation(${token})`);
export const acceptError = (s: Scenario, who: Invitee, token: string | null) =>
  s.errorAs({ user: who.id, claims: who.claims }, (tx) => tx`select * from public.accept_invitation(${token})`);

/** The acme owner every scenario uses (the seed's tenants have admins and members only). */
export const addOwner = (s: Scenario) => createAccount(s.owner, { tenantId: TENANT.acme, role: 'owner', name: 'Olivia Owner' });
