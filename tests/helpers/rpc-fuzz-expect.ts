/**
 * What the RPC fuzz test expects of an answer. The contract of each function is read from the
 * migrated catalog (the same text as supabase/expected-schema.json): who may execute it, and the
 * SQLSTATEs its comment documents. An answer is < 500; an error is PostgREST's {code, details,
 * hint, message} with a documented code, a code of the argument conversion Postgres does before
 * the call (json_to_record to the declared types), PGRST202 (arguments that match no function),
 * or 42501 for a caller without EXECUTE. A refused call changes no row; an accepted call changes
 * exactly the rows its function documents, by exactly what it documents.
 */
import { createHash } from 'node:crypto';
import { connect, superuserUrl } from './db.ts';
import type { FnName, RpcCall } from './rpc-fuzz-calls.ts';
import type { Caller, Change, RpcWorld } from './rpc-fuzz-world.ts';
import { PLATFORM_DAYS_BEFORE } from './rpc-fuzz-world.ts';
import { message, TENANT } from './seed-ids.ts';

export interface Contract { name: string; codes: Set<string>; grants: Record<Caller['role'], boolean>; comment: string }
export interface Answer { status: number; data: any; error: any }

/** Every function in public the API roles can see, with its grants and documented codes. */
export async function loadContracts(): Promise<Map<string, Contract>> {
  const rows = await connect(superuserUrl())`
    select p.proname as name, coalesce(obj_description(p.oid, 'pg_proc'), '') as comment,
           has_function_privilege('anon', p.oid, 'execute') as anon, has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
           has_function_privilege('service_role', p.oid, 'execute') as service_role
    from pg_proc p where p.pronamespace = 'public'::regnamespace and p.prokind = 'f' and p.prorettype <> 'trigger'::regtype order by 1`;
  return new Map(rows.map((r) => [r.name, {
    name: r.name, comment: r.comment,
    // SQLSTATEs named in the comment: classes 0x, 2x, 4x, 5x, P0 and the project's TNxxx.
    codes: new Set(r.comment.match(/\b(?:[0245][0-9A-Z]|P0|TN)[0-9A-Z]{3}\b/g) ?? []),
    grants: { anon: r.anon, authenticated: r.authenticated, service_role: r.service_role },
  }]));
}

/** Errors of the conversion of the arguments to their declared types, before the function runs. */
const CONVERSION: [string, RegExp][] = [
  ['22P02', /^(invalid input (syntax|value) for (type|enum) |malformed (array literal|JSON array|record literal)|expected JSON array)/],
  ['22007', /^invalid input syntax for type (date|interval|timestamp)/],
  ['22008', /^(date\/time field value out of range|date out of range|interval out of range)/],
  ['22003', /(is out of range for type (integer|smallint|bigint)|^value overflows numeric format|^interval out of range)/],
  ['22015', /^interval field value out of range/],
  ['22P05', /^unsupported Unicode escape sequence/],
  ['22009', /^time zone displacement out of range/],
  ['PGRST202', /^Could not find the function public\./],
];

/**
 * By GET, PostgREST reads a parameter that is no argument as a filter on the result (PGRST100 when it
 * does not parse, 42703 for no such column) and runs a read-only transaction (25006 for a write).
 */
const GET_CODES = new Set(['PGRST100', '42703', '25006']);

const isPgrstError = (e: unknown) => !!e && typeof e === 'object' && Object.keys(e).sort().join() === 'code,details,hint,message'
  && typeof (e as any).code === 'string' && typeof (e as any).message === 'string';

export function answerProblems(call: RpcCall, res: Answer, contract: Contract, caller: Caller): string[] {
  if (res.status === 0) return [`no answer: ${res.error?.message}`];
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`5xx: ${res.status}`);
  const granted = contract.grants[caller.role];
  if (res.status < 300) {
    if (!granted) problems.push(`accepted for ${caller.role}, which has no EXECUTE on ${call.fn}`);
    return problems;
  }
  if (!isPgrstError(res.error)) return [...problems, `error shape: not {code, details, hint, message}: ${JSON.stringify(res.error).slice(0, 300)}`];
  const { code, message } = res.error as { code: string; message: string };
  const conversion = CONVERSION.some(([c, m]) => c === code && m.test(message));
  if (!granted) {
    if (!(code === '42501' && new RegExp(`^permission denied for function ${call.fn}$`).test(message)) && !conversion && !(call.get && GET_CODES.has(code))) {
      problems.push(`for ${caller.role} (no EXECUTE) the answer is ${code}, not 42501 permission denied (or a conversion error)`);
    }
  } else if (!contract.codes.has(code) && !conversion && !(call.get && GET_CODES.has(code))) {
    problems.push(`undocumented error code ${code} (${call.fn} documents ${[...contract.codes].join(', ') || 'none'}; conversion errors aside)`);
  }
  return problems;
}

const sql = () => connect(superuserUrl());
const keyOf = (c: Change) => c.key;
const norm = (v: unknown) => typeof v === 'string' ? v.toLowerCase().replace(/[{}\s-]/g, '') : '';

function only(changes: Change[], wanted: { key: string; kinds: Change['kind'][] }[], optional = false): string[] {
  const problems: string[] = [];
  for (const c of changes) {
    const w = wanted.find((x) => x.key === c.key);
    if (!w) problems.push(`changed ${c.key} (${c.kind}), which the call does not write`);
    else if (!w.kinds.includes(c.kind)) problems.push(`${c.key} ${c.kind}, expected ${w.kinds.join(' or ')}`);
  }
  if (!optional) for (const w of wanted) if (!changes.some((c) => c.key === w.key)) problems.push(`did not write ${w.key}`);
  return problems;
}

/** The tenant each message of the world and the seed is in. */
const messageTenants = (w: RpcWorld) => new Map<string, string>([...w.messages.a.map((m) => [m, w.tenants.a] as const), ...w.messages.b.map((m) => [m, w.tenants.b] as const),
  [message(1, 2), TENANT.acme], [message(4, 2), TENANT.globex], [message(6, 1), TENANT.initech]]);

type Effect = (call: RpcCall, data: any, changes: Change[], caller: Caller, w: RpcWorld) => Promise<string[]>;

/** Per function: what an accepted call writes (and, for the readers, that the rows are the caller's tenant's). */
export const EFFECTS: { [K in FnName]: Effect } = {
  async increment_usage_metrics(call, data, changes) {
    const key = `usage_metrics:${data.tenant_id}/${data.user_id}/${data.date}`;
    const problems = only(changes, [{ key, kinds: ['added', 'changed'] }]);
    const ch = changes.find((c) => c.key === key);
    if (!ch?.after) return problems;
    const b = ch.before ?? { input_tokens: 0, output_tokens: 0, cost: 0, request_count: 0 };
    const a = ch.after;
    const [ok] = await sql()`
      select x.i + ${String(b.input_tokens)}::bigint = ${String(a.input_tokens)}::bigint as input, x.o + ${String(b.output_tokens)}::bigint = ${String(a.output_tokens)}::bigint as output,
             round(x.c, 6) + ${String(b.cost)}::numeric = ${String(a.cost)}::numeric as cost
      from json_to_record(${JSON.stringify({ i: call.args.p_input_tokens, o: call.args.p_output_tokens, c: call.args.p_cost })}::text::json) as x(i int, o int, c numeric)`;
    for (const k of ['input', 'output', 'cost'] as const) if (!ok[k]) problems.push(`${k}: ${JSON.stringify(b)} -> ${JSON.stringify(a)} does not add the call's value`);
    if (a.request_count !== b.request_count + 1) problems.push(`request_count ${b.request_count} -> ${a.request_count}, not +1`);
    // A day of the years 1 to 9999, and a cost that is a number (to_jsonb gives NaN and Infinity as strings).
    if (!/^\d{4}-\d{2}-\d{2}$/.test(String(a.date))) problems.push(`stored usage for ${a.date}, not a day of the years 1 to 9999`);
    if (typeof a.cost !== 'number' || !Number.isFinite(a.cost)) problems.push(`stored the cost ${JSON.stringify(a.cost)}, not a number`);
    if (String(data.cost) !== String(a.cost) || Number(data.request_count) !== a.request_count) problems.push(`returned ${JSON.stringify(data)}, stored ${JSON.stringify(a)}`);
    return problems;
  },

  async atomic_update_user_behavior(call, data, changes, caller) {
    const total = Number(data.total_violations);
    const slot = (total - 1) % 50;
    const problems = only(changes, [{ key: `user_behaviors:${data.id}`, kinds: ['added', 'changed'] }, { key: `user_behavior_actions:${data.id}/${slot}`, kinds: ['added', 'changed'] }]);
    const ch = changes.find((c) => c.key === `user_behaviors:${data.id}`);
    if (!ch?.after) return problems;
    const b = ch.before;
    const a = ch.after;
    const sev = String((call.args.p_violation_data as { severity: string }).severity);
    if (a.total_violations !== (b?.total_violations ?? 0) + 1 || total !== a.total_violations) problems.push(`total_violations ${b?.total_violations ?? 0} -> ${a.total_violations} (returned ${total}), not one more`);
    for (const s of ['low', 'medium', 'high', 'critical']) {
      const want = (b?.severity_counts?.[s] ?? 0) + (s === sev ? 1 : 0);
      if (a.severity_counts[s] !== want) problems.push(`severity_counts.${s} ${b?.severity_counts?.[s] ?? 0} -> ${a.severity_counts[s]}, expected ${want}`);
    }
    const blocks = sev === 'critical' || (sev === 'high' && a.severity_counts.high >= 3) || a.total_violations >= 10;
    if (b?.is_blocked ? !(a.is_blocked && a.blocked_reason === b.blocked_reason && a.blocked_at === b.blocked_at) : a.is_blocked !== blocks) {
      problems.push(`blocking: was ${b?.is_blocked ? `blocked (${b.blocked_reason})` : 'not blocked'}, now ${a.is_blocked} (${a.blocked_reason}) after a ${sev} violation`);
    }
    if (caller.tenant && a.tenant_id !== caller.tenant) problems.push(`recorded in tenant ${a.tenant_id}, not the caller's ${caller.tenant}`);
    if (norm(a.tenant_id) !== norm(call.args.p_organization_id)) problems.push(`recorded in tenant ${a.tenant_id}, not the organization ${call.args.p_organization_id}`);
    const [action] = await sql()`select sequence, severity::text as severity from public.user_behavior_actions where behavior_id = ${data.id} and slot = ${slot}`;
    if (action?.sequence !== total || action?.severity !== sev) problems.push(`recent action in slot ${slot}: ${JSON.stringify(action)}, expected sequence ${total} ${sev}`);
    return problems;
  },

  async calculate_rag_metrics(call, data, changes) {
    const problems = only(changes, [{ key: `rag_metrics_history:${data.tenant_id ?? 'platform'}/${data.date}`, kinds: ['added', 'changed'] }], true);
    if (norm(data.tenant_id) !== norm(call.args.p_tenant_id ?? '')) problems.push(`computed for tenant ${data.tenant_id}, asked for ${call.args.p_tenant_id}`);
    if (!/^\d{4,}-\d{2}-\d{2}( BC)?$/.test(String(data.date))) problems.push(`wrote metrics for ${data.date}, which is not a day`);
    if (data.tenant_id === null && !(String(data.date) < PLATFORM_DAYS_BEFORE || /BC$/.test(String(data.date)))) problems.push(`the suite wrote a platform row for ${data.date}, a day other tests use`);
    return problems;
  },

  async create_tenant(call, data, changes, caller) {
    const problems = only(changes, [{ key: `tenants:${data.id}`, kinds: ['added'] }, { key: `users:${caller.id}`, kinds: ['added'] }]);
    const t = changes.find((c) => c.key === `tenants:${data.id}`)?.after;
    const u = changes.find((c) => c.key === `users:${caller.id}`)?.after;
    const [x] = await sql()`select x.p_name, x.p_slug from json_to_record(${JSON.stringify(call.args)}::text::json) as x(p_name text, p_slug text)`;
    if (t && (t.slug !== x.p_slug || t.name !== x.p_name)) problems.push(`tenant ${JSON.stringify([t.slug, t.name])}, asked for ${JSON.stringify([x.p_slug, x.p_name])}`);
    if (u && (u.tenant_id !== data.id || u.role !== 'owner')) problems.push(`profile ${JSON.stringify(u)}: not the owner of ${data.id}`);
    if (caller.tenant) problems.push(`${caller.name} already had a profile`);
    return problems;
  },

  async create_invitation(call, data, changes, caller) {
    const problems = only(changes, [{ key: `tenant_invitations:${data.id}`, kinds: ['added'] }]);
    const i = changes.find((c) => c.key === `tenant_invitations:${data.id}`)?.after;
    if (!i) return problems;
    // The arguments as Postgres read them (json_to_record, as the Data API converts them), then as the function documents.
    const [x] = await sql()`select x.p_role, nullif(btrim(x.p_email), '') as email, x.p_max_uses
                            from json_to_record(${JSON.stringify(call.args)}::text::json) as x(p_role text, p_email text, p_max_uses int)`;
    const hash = `\\x${createHash('sha256').update(String(data.token)).digest('hex')}`;
    const want = { tenant_id: caller.tenant, created_by: caller.id, role: x.p_role, email: x.email, max_uses: 'p_max_uses' in call.args ? x.p_max_uses : 1, use_count: 0, revoked_at: null, token_hash: hash };
    const got = { tenant_id: i.tenant_id, created_by: i.created_by, role: i.role, email: i.email, max_uses: i.max_uses, use_count: i.use_count, revoked_at: i.revoked_at, token_hash: i.token_hash };
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`invitation ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    const life = Date.parse(i.expires_at) - Date.parse(i.created_at);
    if (!(life >= 5 * 60_000 - 1000 && life <= 30 * 86_400_000 + 1000)) problems.push(`expires ${life / 1000} s after creation, outside 5 minutes-30 days`);
    return problems;
  },

  async revoke_invitation(_call, data, changes, caller) {
    const key = `tenant_invitations:${data.id}`;
    const problems = only(changes, [{ key, kinds: ['changed'] }], true);
    const ch = changes.find((c) => c.key === key);
    if (data.tenant_id !== caller.tenant) problems.push(`revoked an invitation of tenant ${data.tenant_id}, not the caller's ${caller.tenant}`);
    if (!data.revoked_at) problems.push('returned the invitation not revoked');
    if (ch?.before?.revoked_at) problems.push(`revoking again changed the row: ${JSON.stringify(ch.before)} -> ${JSON.stringify(ch.after)}`);
    else if (ch && !ch.after?.revoked_at) problems.push('the stored invitation is not revoked');
    return problems;
  },

  async accept_invitation(_call, data, changes, caller, w) {
    const invitation = changes.find((c) => c.key.startsWith('tenant_invitations:'));
    const problems = only(changes, [{ key: `users:${caller.id}`, kinds: ['added'] }, ...(invitation ? [{ key: invitation.key, kinds: ['changed' as const] }] : [])]);
    const b = invitation?.before;
    const a = invitation?.after;
    if (!b || !a) return [...problems, 'no invitation was used'];
    if (a.use_count !== b.use_count + 1) problems.push(`use_count ${b.use_count} -> ${a.use_count}`);
    if (b.revoked_at || Date.parse(b.expires_at) <= Date.now() - 5000 || (b.max_uses !== null && b.use_count >= b.max_uses)) problems.push(`accepted an invitation that was revoked, expired or used up: ${JSON.stringify(b)}`);
    if (b.email && b.email.toLowerCase() !== caller.email.toLowerCase()) problems.push(`accepted ${b.email}'s invitation as ${caller.email}`);
    if (data.tenant_id !== b.tenant_id || data.role !== b.role || data.id !== caller.id) problems.push(`profile ${JSON.stringify(data)} is not the invitation's tenant and role`);
    if (caller.tenant || !Object.values(w.invitations).some((i) => i.id === b.id)) problems.push('accepted by an account with a profile, or an invitation not of the pool');
    return problems;
  },

  async get_message_feedback_summary(_call, data, changes, caller, w) {
    const problems = changes.map((c) => `a read changed ${keyOf(c)}`);
    const tenants = messageTenants(w);
    for (const r of Array.isArray(data) ? data : [data]) {
      if (!caller.tenant || tenants.get(r.message_id) !== caller.tenant) problems.push(`${caller.name} (tenant ${caller.tenant}) got the summary of message ${r.message_id} (tenant ${tenants.get(r.message_id)})`);
    }
    return problems;
  },

  async get_monthly_usage_summary(_call, data, changes, caller) {
    const problems = changes.map((c) => `a read changed ${keyOf(c)}`);
    for (const r of Array.isArray(data) ? data : [data]) {
      if (!caller.tenant || r.tenant_id !== caller.tenant) problems.push(`${caller.name} (tenant ${caller.tenant}) got usage of tenant ${r.tenant_id}`);
      else if (caller.tenantRole === 'member' && r.user_id !== caller.id) problems.push(`member ${caller.name} got the usage of user ${r.user_id}`);
    }
    return problems;
  },
};
