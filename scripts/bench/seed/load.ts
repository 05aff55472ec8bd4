/**
 * The synthetic data loader behind `npm run seed:load` and the scales benchmark: realistic data
 * (faker, fixed seed: the same data every run) bulk-loaded with COPY: tenants of skewed sizes
 * (slugs load-*), users, conversations, messages, feedback, usage, dialogue logs with citations,
 * materials with provenance, moderation records; 90 days ending 2026-11-20 with a daily and weekly
 * rhythm. Progress goes to stderr.
 */
import postgres from 'postgres';
import { rowsProgress, withProgress } from '../../lib/progress.ts';
import { StackError } from '../../lib/stack-error.ts';
import { copyRows } from './copy.ts';
import { END_DAY, Generator, scaleFor } from './generate.ts';

const EMAIL_DOMAIN = 'load.example.test';
const PLATFORMS = ['twitter', 'youtube', 'instagram', 'discord', 'reddit', 'tiktok', 'bluesky'] as const;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'claude-haiku-4'] as const;
const LICENSES = ['proprietary', 'proprietary', 'commercial_license', 'cc_by', 'cc_by_sa', 'cc0', 'public_domain', 'unknown'] as const;

export interface SeedLoadResult {
  /** The scale as given: small, medium, large or a number of messages. */
  scale: string;
  /** Rows loaded per table (schema-qualified), in load order. */
  rows: Record<string, number>;
  total: number;
  seconds: number;
  rowsPerSecond: number;
}

/**
 * Load a scale into the database at url. Refuses (StackError) when loaded tenants exist, unless
 * `replace` is set: then they and everything of theirs are deleted first. Throws on a bad scale.
 */
export async function loadSeed(url: string, scaleName: string, opts: { replace?: boolean } = {}): Promise<SeedLoadResult> {
  const scale = scaleFor(scaleName);
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const t0 = performance.now();
  const loaded: Record<string, number> = {};
  try {
    const [existing] = await sql`select count(*)::int as n from public.tenants where slug like 'load-%'`;
    if (existing.n > 0) {
      if (!opts.replace) throw new StackError(`the database already has ${existing.n} loaded tenants (load-*)`, 'pass --replace to delete them (and everything of theirs) first');
      await withProgress('removing the previous load', async () => {
        await sql`delete from public.tenants where slug like 'load-%'`;
        await sql`delete from auth.users where email like ${`%@${EMAIL_DOMAIN}`}`;
      });
    }
    const g = new Generator();
    const load = async (table: string, columns: string[], total: number, rows: Iterable<unknown[]>) => {
      const p = rowsProgress(table, total);
      const n = await copyRows(sql, table, columns, rows as Iterable<never[]>, (k) => p.update(k));
      loaded[table] = p.done(n).rows;
    };

    // Tenants and users, skewed: the first tenants are the big ones.
    const tenants = Array.from({ length: scale.tenants }, (_, i) => ({ id: g.uuid(), slug: `load-${i + 1}`, name: g.f.company.name().slice(0, 200), plan: g.pick(['free', 'pro', 'enterprise']) }));
    const weights = g.tenantWeights(tenants.length);
    const users = Array.from({ length: scale.users }, (_, i) => {
      const tenant = tenants[i < tenants.length ? i : g.weighted(weights)];
      return { id: g.uuid(), tenant: tenant.id, role: i < tenants.length ? 'owner' : g.pick(['member', 'member', 'member', 'admin']), name: g.f.person.fullName(), email: `user${i + 1}@${EMAIL_DOMAIN}`, created: new Date(END_DAY - 95 * 86_400_000) };
    });
    const usersByTenant = new Map<string, typeof users>();
    for (const u of users) usersByTenant.set(u.tenant, [...(usersByTenant.get(u.tenant) ?? []), u]);

    await load('public.tenants', ['id', 'slug', 'name', 'plan'], tenants.length, tenants.map((t) => [t.id, t.slug, t.name, t.plan]));
    await load('auth.users', ['id', 'aud', 'role', 'email', 'created_at', 'updated_at', 'raw_app_meta_data'], users.length,
      users.map((u) => [u.id, 'authenticated', 'authenticated', u.email, u.created, u.created, { provider: 'email', providers: ['email'] }]));
    await load('public.users', ['id', 'tenant_id', 'role', 'display_name', 'email'], users.length, users.map((u) => [u.id, u.tenant, u.role, u.name.slice(0, 100), u.email]));

    // Conversations of ten messages each.
    const conversations = Array.from({ length: Math.ceil(scale.messages / 10) }, () => {
      const u = g.pick(users);
      return { id: g.uuid(), tenant: u.tenant, user: u.id, created: g.moment() };
    });
    await load('public.conversations', ['id', 'tenant_id', 'user_id', 'title', 'model', 'is_archived', 'created_at', 'updated_at'], conversations.length,
      conversations.map((c) => [c.id, c.tenant, c.user, g.title(), g.pick(MODELS), g.int(0, 9) === 0, c.created, c.created]));

    const rated: { id: string; tenant: string; user: string; at: Date }[] = [];
    function* messages() {
      let n = 0;
      for (const c of conversations) {
        for (let k = 0; k < 10 && n < scale.messages; k++, n++) {
          const assistant = k % 2 === 1;
          const id = g.uuid();
          const at = new Date(c.created.getTime() + k * 30_000);
          if (assistant && g.int(0, 4) === 0) rated.push({ id, tenant: c.tenant, user: c.user, at });
          yield [id, c.id, c.tenant, assistant ? 'assistant' : 'user', g.text(assistant ? 2 : 1, assistant ? 8 : 3),
            assistant ? g.int(200, 3000) : 0, assistant ? g.int(20, 800) : 0, assistant ? g.pick(MODELS) : null, assistant ? g.int(300, 9000) : null, at];
        }
      }
    }
    await load('public.messages', ['id', 'conversation_id', 'tenant_id', 'role', 'content', 'input_tokens', 'output_tokens', 'model', 'latency_ms', 'created_at'], scale.messages, messages());
    await load('public.feedback', ['message_id', 'tenant_id', 'user_id', 'rating', 'comment', 'created_at', 'updated_at'], rated.length,
      rated.map((r) => [r.id, r.tenant, r.user, g.int(0, 4) === 0 ? -1 : 1, g.int(0, 3) === 0 ? g.text(1, 2).slice(0, 2000) : null, new Date(r.at.getTime() + 60_000), new Date(r.at.getTime() + 60_000)]));

    function* usage() {
      for (const u of users) {
        for (let d = 0; d < 90; d++) {
          if (g.int(0, 99) >= 35) continue;
          const day = new Date(END_DAY - d * 86_400_000).toISOString().slice(0, 10);
          yield [u.tenant, u.id, day, g.int(500, 60000), g.int(100, 15000), (g.int(10, 90000) / 100000).toFixed(6), g.int(1, 60)];
        }
      }
    }
    await load('public.usage_metrics', ['tenant_id', 'user_id', 'date', 'input_tokens', 'output_tokens', 'cost', 'request_count'], Math.round(users.length * 90 * 0.35), usage());

    const materials = Array.from({ length: Math.max(10, Math.round(scale.messages / 100)) }, () => {
      const t = tenants[g.weighted(weights)];
      const author = g.pick(usersByTenant.get(t.id) ?? users);
      return { id: g.uuid(), tenant: t.id, author: author.tenant === t.id ? author.id : null, at: g.moment() };
    });
    await load('public.materials', ['id', 'tenant_id', 'created_by', 'title', 'body', 'source_uri', 'created_at', 'updated_at'], materials.length,
      materials.map((m) => [m.id, m.tenant, m.author, g.title(), g.text(3, 12), g.f.internet.url(), m.at, m.at]));
    await load('public.provenance', ['tenant_id', 'content_id', 'content_type', 'source_uri', 'license_type', 'acquisition_method', 'acquired_at', 'rights_holder', 'attribution_text', 'retention_years'],
      materials.length, materials.map((m) => {
        const license = g.pick(LICENSES);
        return [m.tenant, m.id, 'material', g.f.internet.url(), license, g.pick(['manual_upload', 'api', 'scrape', 'partner_feed', 'purchase']), m.at,
          g.f.company.name().slice(0, 500), license.startsWith('cc_') ? `${license.toUpperCase().replaceAll('_', '-')} ${g.f.person.fullName()}` : null, g.int(0, 2) === 0 ? null : g.int(1, 10)];
      }));

    function* dialogues() {
      for (let i = 0; i < scale.dialogues; i++) {
        const u = g.pick(users);
        const at = g.moment();
        const citations = Array.from({ length: g.int(0, 3) }, () => ({
          source: `materials/${g.pick(materials).id}`, sourceType: 'material', excerpt: g.pick([g.text(1, 1)]).slice(0, 500),
          confidence: g.int(40, 100) / 100, timestamp: at.toISOString(),
        }));
        yield [u.tenant, u.id, `s-${g.int(1, 1e9)}`, g.text(1, 2), g.text(2, 6), g.pick(MODELS), citations, Math.round(Math.exp(g.f.number.float({ min: 5.5, max: 9 }))),
          (g.int(5, 900) / 100).toFixed(4), citations.length ? (g.int(40, 100) / 100).toFixed(4) : '0', g.int(200, 4000), g.int(20, 900), at, at];
      }
    }
    await load('public.ai_dialogue_log', ['tenant_id', 'user_id', 'session_id', 'query', 'response', 'model_used', 'citations', 'latency_ms', 'token_cost_jpy', 'citation_rate', 'prompt_tokens', 'completion_tokens', 'created_at', 'updated_at'],
      scale.dialogues, dialogues());

    // Moderation records; their recent actions (up to 50, in their ring slots) are loaded after them.
    const actions: unknown[][] = [];
    function* behaviors() {
      const seen = new Set<string>();
      for (let i = 0; i < Math.max(10, Math.round(scale.messages / 100)); i++) {
        const t = tenants[g.weighted(weights)];
        const platform = g.pick(PLATFORMS);
        const pid = String(g.int(1, 1e12));
        if (seen.has(`${t.id}/${platform}/${pid}`)) continue;
        seen.add(`${t.id}/${platform}/${pid}`);
        const counts = { low: g.int(0, 6), medium: g.int(0, 3), high: g.int(0, 2), critical: g.int(0, 9) === 0 ? 1 : 0 };
        const total = counts.low + counts.medium + counts.high + counts.critical;
        if (total === 0) continue;
        const id = g.uuid();
        const at = g.moment();
        const blocked = counts.critical > 0 ? 'critical violation' : counts.high >= 3 ? 'three high-severity violations' : total >= 10 ? 'ten violations' : null;
        for (let sequence = Math.max(1, total - 49); sequence <= total; sequence++) {
          actions.push([id, (sequence - 1) % 50, t.id, sequence, `c${g.int(1, 1e9)}`, g.pick(['low', 'medium', 'high']), (g.int(0, 100) / 100).toFixed(4), '{warning}', at]);
        }
        const score = (g.int(0, 100) / 100).toFixed(4);
        yield [id, t.id, platform, pid, g.f.internet.username().slice(0, 200), total, counts, at, score, score, blocked !== null, blocked, blocked ? at : null];
      }
    }
    await load('public.user_behaviors', ['id', 'tenant_id', 'platform', 'platform_user_id', 'platform_username', 'total_violations', 'severity_counts', 'last_violation_at', 'last_toxicity_score', 'max_toxicity_score', 'is_blocked', 'blocked_reason', 'blocked_at'],
      Math.round(scale.messages / 100), behaviors());
    await load('public.user_behavior_actions', ['behavior_id', 'slot', 'tenant_id', 'sequence', 'comment_id', 'severity', 'toxicity_score', 'action_tags', 'at'],
      actions.length, actions);

    await withProgress('analyze and refresh the summaries', async () => {
      await sql`analyze`;
      await sql`select private.refresh_summaries()`;
    });
    const seconds = (performance.now() - t0) / 1000;
    const total = Object.values(loaded).reduce((a, b) => a + b, 0);
    return { scale: scaleName, rows: loaded, total, seconds, rowsPerSecond: total / seconds };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
