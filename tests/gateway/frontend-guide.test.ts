/**
 * docs/frontend.md cannot go stale: its ```ts blocks (every one is marked `ts guide`, or
 * `ts guide typecheck-only` where the local stack cannot serve the call: realtime) are taken out
 * in order, type-checked together as one strict module (bundler resolution, no
 * allowImportingTsExtensions, DOM libs, as a frontend compiles) and run in order against the test
 * stack as one module, with `@backend/` pointing at this repository, a fresh email and password
 * for the guide's own sign-up and a fresh tenant slug for its create_tenant. Then what the guide
 * did is checked in the database, and what its variables hold.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { anonKey, apiUrl } from '../helpers/api.ts';
import { removeTestAccounts, uniqueEmail } from '../helpers/auth.ts';
import { connect, superuserUrl } from '../helpers/db.ts';

interface Block { info: string; code: string; line: number }

/** The fenced blocks of a Markdown text, with their info strings and where they start. */
function fencedBlocks(markdown: string): Block[] {
  const out: Block[] = [];
  for (const m of markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm)) {
    out.push({ info: m[1].trim(), code: m[2], line: markdown.slice(0, m.index).split('\n').length });
  }
  return out;
}

const guide = fs.readFileSync(path.join(repoRoot, 'docs', 'frontend.md'), 'utf8');
const blocks = fencedBlocks(guide);
const tsBlocks = blocks.filter((b) => /^(ts|typescript)\b/.test(b.info));
const RUN = 'ts guide';
const CHECK_ONLY = 'ts guide typecheck-only';

/** What the guide's snippets take from the app around them. */
const PRELUDE = [
  'declare const SUPABASE_URL: string;', 'declare const SUPABASE_ANON_KEY: string;',
  'declare const email: string;', 'declare const password: string;', 'declare const tenantSlug: string;',
].join('\n');
/** The guide's results, for the checks below (a renamed variable fails the type check, on purpose). */
const EPILOGUE = 'export const results = { user, tenant, conversation, ingested, thread, feedback, summary, summaries, notice, months, today, files };';

const step = (i: number, b: Block) => `(globalThis as { guideStep?: string }).guideStep = ${JSON.stringify(`block ${i + 1} (docs/frontend.md line ${b.line})`)};`;
const withRepoImports = (code: string) => code.replace(/(['"])@backend\/([^'"]+)\1/g, (_m, q: string, p: string) => `${q}${path.join(repoRoot, p)}.js${q}`);

/** The module of the blocks, and for each of its lines the guide's line it came from (0: added here). */
function moduleText(which: 'check' | 'run'): { text: string; origin: number[] } {
  const lines: string[] = [PRELUDE];
  const origin: number[] = PRELUDE.split('\n').map(() => 0);
  tsBlocks.forEach((b, i) => {
    if (which === 'run' && b.info === CHECK_ONLY) return;
    lines.push(step(i, b));
    origin.push(0);
    withRepoImports(b.code).replace(/\n$/, '').split('\n').forEach((l, k) => { lines.push(l); origin.push(b.line + 1 + k); });
  });
  return { text: [...lines, EPILOGUE, ''].join('\n'), origin };
}

const slug = `guide-${process.pid}-${Date.now().toString(36)}`;
const admin = () => connect(superuserUrl());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-guide-'));
fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
fs.writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}\n');

after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await admin().begin(async (tx) => {
    const owners = await tx`select u.id from public.users u join public.tenants t on t.id = u.tenant_id where t.slug = ${slug}`;
    await tx`select set_config('storage.allow_delete_query', 'true', true)`;
    for (const o of owners) await tx`delete from storage.objects where bucket_id = 'conversation-files' and name like ${`raw/${o.id}/%`}`;
    await tx`delete from public.tenants where slug = ${slug}`;
  });
  await removeTestAccounts();
});

describe('docs/frontend.md', () => {
  it('every ts block is marked, and the guide covers what a frontend does end to end', () => {
    assert.deepEqual(tsBlocks.filter((b) => b.info !== RUN && b.info !== CHECK_ONLY).map((b) => `line ${b.line}: ${b.info}`), []);
    assert.ok(tsBlocks.length >= 10, `${tsBlocks.length} blocks`);
    assert.deepEqual(tsBlocks.filter((b) => b.info === CHECK_ONLY).map((b) => /postgres_changes/.test(b.code)), [true], 'only realtime is not run');
    const code = tsBlocks.map((b) => b.code).join('\n');
    for (const call of ['signInWithPassword', "rpc('create_tenant'", ".select('id,title,messages(id,role,content)')", "from('messages').insert",
      "'ingest-response'", "'submit-feedback'", "'get_message_feedback_summary'", "'get_monthly_usage_summary'", "'current_day_usage'", 'storage.from(', "'postgres_changes'"]) {
      assert.ok(code.includes(call), `the guide shows ${call}`);
    }
  });

  it('its snippets type-check together as a strict frontend module', () => {
    const { text, origin } = moduleText('check');
    fs.writeFileSync(path.join(dir, 'guide.ts'), text);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'bundler', strict: true,
        noEmit: true, skipLibCheck: true, isolatedModules: true, verbatimModuleSyntax: true, types: [],
      },
      files: ['guide.ts'],
    }));
    const tsc = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
    const located = `${tsc.stdout}${tsc.stderr}`.replace(/\S*guide\.ts\((\d+),(\d+)\)/g, (m, l: string, c: string) => {
      const line = origin[Number(l) - 1];
      return line ? `docs/frontend.md:${line}:${c}` : m;
    });
    assert.equal(tsc.status, 0, located);
  });

  it('its snippets run in order against the test stack, and do what the guide says', async () => {
    const file = path.join(dir, 'guide-run.ts');
    fs.writeFileSync(file, moduleText('run').text);
    const email = uniqueEmail('guide');
    const globals = globalThis as Record<string, unknown>;
    Object.assign(globals, { SUPABASE_URL: apiUrl(), SUPABASE_ANON_KEY: anonKey(), email, password: 'guide-password-1', tenantSlug: slug });
    globals.WebSocket ??= WebSocket; // Node 20 has none; browsers do
    let results: Record<string, any>;
    try {
      ({ results } = await import(pathToFileURL(file).href));
    } catch (err) {
      throw new Error(`docs/frontend.md, ${String(globals.guideStep)}: ${(err as Error).message}`, { cause: err });
    }

    const [row] = await admin()`
      select t.id as tenant_id, u.id as user_id, u.role from public.tenants t join public.users u on u.tenant_id = t.id
      join auth.users a on a.id = u.id where t.slug = ${slug} and a.email = ${email}`;
    assert.equal(row?.role, 'owner', 'the guide signed up and created its tenant');
    assert.deepEqual([results.user.id, results.tenant.id], [row.user_id, row.tenant_id]);
    assert.deepEqual([results.ingested.processing_status, results.ingested.parse_method_used, results.ingested.messages_inserted], ['completed', 'direct', 1]);
    const messages = await admin()`select role, content from public.messages where conversation_id = ${results.conversation.id} order by created_at`;
    assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant']);
    assert.deepEqual(results.thread.messages.map((m: { role: string }) => m.role), ['user', 'assistant'], 'the inbox embeds them in order');
    assert.deepEqual([results.feedback.rating, results.summary.up_count, results.summary.average_rating], [1, 1, 1]);
    assert.ok(Array.isArray(results.summaries) && Array.isArray(results.months) && Array.isArray(results.today));
    assert.equal(results.notice, 'That message is no longer there.');
    assert.equal(results.files.length, 1, 'the raw response is in the user\'s folder');
    assert.equal(`raw/${row.user_id}/${results.conversation.id}/${results.files[0].name}`, results.ingested.raw_response_path);
    const [session] = await admin()`select count(*)::int as n from auth.sessions where user_id = ${row.user_id}`;
    assert.equal(session.n, 0, 'signed out at the end');
  });
});
