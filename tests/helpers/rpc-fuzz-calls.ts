/**
 * One generator of calls per RPC in `public`, keyed by the generated types' function names (a new
 * RPC without one fails to compile, and tests/fuzz/rpc.test.ts fails at run time too): who calls
 * (every caller of the world, weighted towards those the function admits) and with what
 * arguments, valid values of the world mixed with hostile ones (tests/helpers/rpc-fuzz-values.ts).
 * No generated call may be accepted in a seed tenant (other tests count the seed's rows): calls
 * that would be are filtered out, so any change there is a bug.
 */
import fc from 'fast-check';
import type { Database } from '../../types/database.types.ts';
import type { CallerName, RpcWorld } from './rpc-fuzz-world.ts';
import { CALLERS, INVITATIONS } from './rpc-fuzz-world.ts';
import { TENANT, USER } from './seed-ids.ts';
import { anyHostile, args, dateHostile, DEEP, enumHostile, HUGE_STRINGS, intervalHostile, intHostile, MANY_IDS, numericHostile, pick, textHostile, uuidHostile } from './rpc-fuzz-values.ts';

type Fns = Database['public']['Functions'];
export type FnName = keyof Fns;
export interface RpcCall { fn: FnName; caller: CallerName; args: Record<string, unknown>; get: boolean }

const PLATFORMS: Database['public']['Enums']['moderation_platform'][] = ['twitter', 'youtube', 'instagram', 'facebook', 'discord', 'twitch', 'reddit', 'tiktok', 'bluesky', 'threads', 'mastodon', 'linkedin', 'telegram', 'whatsapp', 'slack'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const today = () => new Date().toISOString().slice(0, 10);
/** Days the world's usage and metrics go to (few, so rows are updated as often as added). */
const DAYS = ['2026-01-15', '2025-12-31', '2024-02-29', '2000-02-29'];
/** Days a platform-wide RAG row may be written for (before PLATFORM_DAYS_BEFORE), and dates it must refuse. */
const PLATFORM_DAYS = ['2000-02-29', '1999-12-31', '1970-01-01', '0001-01-01', '4713-01-01 BC'];
const PLATFORM_BAD_DAYS = ['infinity', '-infinity', 'tomorrow', '5874897-12-31', '5874898-01-01', '4714-11-23 BC', '2000-02-30', 'not a date', '', 20001231, true, null];

/** The seed's tenants and, per tenant, its accounts, as Postgres reads a uuid (case, braces and hyphens aside). */
const norm = (v: unknown) => typeof v === 'string' ? v.toLowerCase().replace(/[{}\s-]/g, '') : '';
const SEED_TENANTS = new Set(Object.values(TENANT).map(norm));
const SEED_MEMBERS: Record<string, Set<string>> = {
  [norm(TENANT.acme)]: new Set([USER.alice, USER.bob].map(norm)), [norm(TENANT.globex)]: new Set([USER.carol, USER.dave].map(norm)),
  [norm(TENANT.initech)]: new Set([USER.erin, USER.frank].map(norm)),
};
const isSeedTenant = (v: unknown) => SEED_TENANTS.has(norm(v));
/** What goes on the wire as JSON null (JSON.stringify writes NaN and ±Infinity as null). */
const sentAsNull = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v));

/** Callers by weight: every caller at least once, the ones the function is for more often. */
function callers(weights: Partial<Record<CallerName, number>>, exclude: CallerName[] = []): fc.Arbitrary<CallerName> {
  return fc.oneof(...CALLERS.filter((c) => !exclude.includes(c)).map((c) => ({ weight: weights[c] ?? 1, arbitrary: fc.constant(c) })));
}

/** Calls of fn by the callers given, with arguments (which may depend on the caller). */
const call = (fn: FnName, caller: fc.Arbitrary<CallerName>, a: fc.Arbitrary<Record<string, unknown>> | ((c: CallerName) => fc.Arbitrary<Record<string, unknown>>),
  get: fc.Arbitrary<boolean> = fc.constant(false)): fc.Arbitrary<RpcCall> =>
  caller.chain((c) => fc.record({ args: typeof a === 'function' ? a(c) : a, get }).map((x) => ({ fn, caller: c, ...x })));

/** GET sometimes for read-only functions, when the arguments fit in a URL (postgrest-js joins arrays as {a,b}). */
const viaGet = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const fitsUrl = (c: RpcCall) => !c.get || Object.values(c.args).every((v) => v === null
  || (typeof v !== 'object' ? String(v).length < 2000 : Array.isArray(v) && v.length <= 20 && v.every((x) => typeof x === 'string' && x.length < 80)));

const ids = (w: RpcWorld) => ({
  tenants: [w.tenants.a, w.tenants.b, TENANT.acme, TENANT.globex],
  users: Object.values(w.callers).map((c) => c.id).filter((x): x is string => !!x),
  messages: [...w.messages.a, ...w.messages.b, ...w.messages.seed],
});

/** Most increments name a user of the tenant they name (the others are 23503), decided by the call's own values. */
function alignUser(w: RpcWorld, c: RpcCall): RpcCall {
  const members: Record<string, string[]> = { [w.tenants.a]: [w.callers['a.owner'].id!, w.callers['a.member'].id!], [w.tenants.b]: [w.callers['b.member'].id!] };
  const { p_tenant_id: tenant, p_user_id: user } = c.args;
  const of = typeof tenant === 'string' ? members[tenant] : undefined;
  if (!of || typeof user !== 'string' || !Object.values(w.callers).some((x) => x.id === user) || user.charCodeAt(0) % 4 === 0) return c;
  return { ...c, args: { ...c.args, p_user_id: of[user.charCodeAt(1) % of.length] } };
}

const tag = fc.oneof(pick(['warning', 'hide', 'ban', 'mute', 't'.repeat(50), '警告', 'a b\nc']), fc.string({ minLength: 1, maxLength: 50 }));
const violation: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: args({
    severity: { valid: pick(SEVERITIES), hostile: enumHostile(SEVERITIES) },
    toxicity_score: { valid: fc.oneof(pick([0, 1, 0.5, 0.12345, 0.99995, 1e-9]), fc.double({ min: 0, max: 1, noNaN: true })), hostile: numericHostile, optional: true },
    action_tags: { valid: fc.array(tag, { maxLength: 20 }), hostile: fc.oneof(fc.array(tag, { minLength: 21, maxLength: 22 }), pick<unknown>([['t'.repeat(51)], [''], [1], [null], [['x']], 'warning', {}])), optional: true },
    comment_id: { valid: fc.oneof(pick(['c1', 'c'.repeat(200)]), fc.string({ minLength: 1, maxLength: 200 })), hostile: textHostile, optional: true },
  }) },
  { weight: 1, arbitrary: fc.oneof(pick(DEEP), anyHostile, pick<unknown>([{ severity: 'low', extra: 1 }, { severity: DEEP[2] }, { severity: 'low', action_tags: DEEP[2] }])) },
);

export const CALLS: { [K in FnName]: (w: RpcWorld) => fc.Arbitrary<RpcCall> } = {
  increment_usage_metrics: (w) => call('increment_usage_metrics', callers({ service_role: 30 }), args({
    p_tenant_id: { valid: pick([w.tenants.a, w.tenants.a, w.tenants.b, TENANT.acme]), hostile: uuidHostile(ids(w).tenants) },
    p_user_id: { valid: pick(['a.owner', 'a.member', 'b.member', 'seed.alice', 'newcomer'].map((c) => w.callers[c as CallerName].id!)), hostile: uuidHostile(ids(w).users) },
    p_date: { valid: pick([...DAYS, today()]), hostile: dateHostile },
    p_input_tokens: { valid: fc.oneof(pick([0, 1, 1000, 2 ** 31 - 1]), fc.nat(100_000)), hostile: intHostile },
    p_output_tokens: { valid: fc.oneof(pick([0, 1, 1000, 2 ** 31 - 1]), fc.nat(100_000)), hostile: intHostile },
    p_cost: { valid: fc.oneof(pick([0, 0.000001, 0.0000004, 0.015, 1.5, 12345.678901, 99999999.999999]), fc.double({ min: 0, max: 100, noNaN: true })), hostile: numericHostile },
  })).map((c) => alignUser(w, c)).filter((c) => !(isSeedTenant(c.args.p_tenant_id) && SEED_MEMBERS[norm(c.args.p_tenant_id)]?.has(norm(c.args.p_user_id)))),

  atomic_update_user_behavior: (w) => call('atomic_update_user_behavior', callers({ service_role: 4, 'a.owner': 2, 'a.admin': 2, 'a.member': 3, 'b.member': 3 }), (c) => args({
    // Mostly the caller's own organization (members are refused elsewhere).
    p_organization_id: { valid: fc.oneof({ weight: 3, arbitrary: fc.constant(w.callers[c].tenant ?? w.tenants.a) }, { weight: 2, arbitrary: pick([w.tenants.a, w.tenants.b, TENANT.acme]) }), hostile: uuidHostile(ids(w).tenants) },
    p_platform: { valid: fc.oneof({ weight: 4, arbitrary: pick(['twitter', 'discord', 'bluesky']) }, { weight: 1, arbitrary: pick(PLATFORMS) }), hostile: enumHostile(PLATFORMS) },
    p_platform_user_id: { valid: fc.oneof({ weight: 3, arbitrary: pick(['u1', 'u2']) }, { weight: 1, arbitrary: pick(['ü-ß-😀', 'x'.repeat(200)]) }), hostile: textHostile },
    p_platform_username: { valid: pick([null, 'troll', 'y'.repeat(200), 'Ünï 😀']), hostile: textHostile },
    p_violation_data: { valid: violation, hostile: anyHostile },
  })).filter((c) => !(isSeedTenant(c.args.p_organization_id) && (c.caller === 'service_role' || norm(w.callers[c.caller].tenant) === norm(c.args.p_organization_id)))),

  calculate_rag_metrics: (w) => call('calculate_rag_metrics', callers({ service_role: 30 }), fc.oneof(
    { weight: 3, arbitrary: args({
      p_date: { valid: pick([...DAYS, today(), 'yesterday', 'epoch']), hostile: dateHostile },
      p_tenant_id: { valid: pick([w.tenants.a, w.tenants.b, TENANT.acme]), hostile: uuidHostile(ids(w).tenants) },
    }).filter((a) => !sentAsNull(a.p_tenant_id)) },
    // Platform-wide (no tenant): only days no other test writes, or dates it must refuse.
    { weight: 1, arbitrary: fc.record({ p_date: fc.oneof(pick(PLATFORM_DAYS), pick(PLATFORM_BAD_DAYS)), none: fc.boolean() })
      .map(({ p_date, none }) => none ? { p_date } : { p_date, p_tenant_id: null }) },
  )).filter((c) => !(c.caller === 'service_role' && isSeedTenant(c.args.p_tenant_id))),

  create_tenant: (w) => call('create_tenant', callers({ newcomer: 5, stranger: 4, ghost: 1 }), args({
    p_name: { valid: pick(['Fuzz Co', ' Padded ', 'Ünïcødé 株式会社 😀', 'n'.repeat(200)]), hostile: textHostile },
    p_slug: { valid: pick([`${w.tag}-new-0`, `${w.tag}-new-1`, `${w.tag}-new-2`, w.tag]), hostile: fc.oneof(textHostile, pick(['UPPER', '-x', 'x-', 'a'.repeat(64), 'a_b', 'a b', `${w.tag}-new-0\u0000`])) },
  })),

  // Not the seed's admins: their invitations would be accepted into acme and globex.
  create_invitation: () => call('create_invitation', callers({ 'a.owner': 3, 'a.admin': 3, 'b.admin': 3 }, ['seed.alice', 'seed.carol']), args({
    p_role: { valid: pick(['member', 'admin', 'owner']), hostile: enumHostile(['member', 'admin', 'owner']) },
    p_email: { valid: pick(['Someone@Example.TEST', ' spaced@example.test ', '', '   ', 'x@y']), hostile: textHostile, optional: true },
    p_expires_in: { valid: pick<unknown>(['1 hour', '5 minutes', '30 days', '7 days', 3600, '1 mon', 'P1D', '00:05:00']), hostile: intervalHostile, optional: true },
    p_max_uses: { valid: pick([1, 2, 10000, null]), hostile: intHostile, optional: true },
  })),

  revoke_invitation: (w) => call('revoke_invitation', callers({ 'a.owner': 6, 'a.admin': 6, 'b.admin': 4 }), args({
    p_invitation_id: { valid: fc.oneof(pick(INVITATIONS.map((n) => w.invitations[n].id)), fc.uuid()), hostile: uuidHostile(INVITATIONS.map((n) => w.invitations[n].id)) },
  })),

  accept_invitation: (w) => call('accept_invitation', callers({ newcomer: 5, stranger: 4, ghost: 1 }), args({
    p_token: { valid: fc.oneof({ weight: 4, arbitrary: pick(INVITATIONS.map((n) => w.invitations[n].token)) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')) }),
      hostile: fc.oneof(textHostile, pick(INVITATIONS.map((n) => w.invitations[n].token)).chain((t) => pick([t.toUpperCase(), ` ${t}`, `${t}=`, t.slice(1), `${t}\u0000`]))) },
  })),

  get_message_feedback_summary: (w) => call('get_message_feedback_summary', callers({}), args({
    p_message_ids: { valid: fc.array(fc.oneof({ weight: 4, arbitrary: pick(ids(w).messages) }, { weight: 1, arbitrary: fc.uuid() }), { minLength: 1, maxLength: 20 }),
      hostile: pick<unknown>([[], MANY_IDS.n1000, MANY_IDS.n1001, MANY_IDS.n10k, [null], ['x'], [[w.messages.a[0]], [w.messages.b[0]]], [[w.messages.a[0]], []], 'abc', `{${w.messages.a[0]}}`, {}, [1, 2], HUGE_STRINGS[0]]) },
  }), viaGet).filter(fitsUrl),

  get_monthly_usage_summary: () => call('get_monthly_usage_summary', callers({}), args({
    p_from: { valid: pick(['2026-01-01', '2025-06-15', '2000-01-01', 'today']), hostile: dateHostile, optional: true },
    p_to: { valid: pick(['2026-12-31', '2026-06-30', 'today', '2100-01-01']), hostile: dateHostile, optional: true },
  }), viaGet).filter(fitsUrl),
};

