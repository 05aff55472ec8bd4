/**
 * Function bodies that migrations restate keep one source: supabase/schema/functions/<schema>.<name>.sql
 * holds the current `create or replace function ...;` statement of each function that more than
 * one migration defines (and of any other function given a file). Checked here:
 *   - the newest migration defining the function states the file's text verbatim, and no later
 *     migration drops it;
 *   - the migrated database's definition is the file's: replacing the function with the file's
 *     statement (in a rolled-back transaction) leaves pg_get_functiondef unchanged;
 *   - every rollback that restates a function restates exactly the previous migration's
 *     definition, and a migration that changes a function has a rollback that restores it.
 * `supabase db diff` (declarative schemas) needs Docker, which these machines lack; this is the
 * Docker-free way to keep a restated body from drifting between its copies.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { asOwner } from '../helpers/db.ts';

const supabaseDir = path.join(repoRoot, 'supabase');
const sourcesDir = path.join(supabaseDir, 'schema', 'functions');
const migrations = fs.readdirSync(path.join(supabaseDir, 'migrations')).filter((f) => f.endsWith('.sql')).sort();
const read = (...parts: string[]) => fs.readFileSync(path.join(supabaseDir, ...parts), 'utf8');

/** The statements of a SQL file, each from its first keyword to its `;`, comments between statements left out. */
function statements(sql: string): string[] {
  const out: string[] = [];
  let start = -1;
  let i = 0;
  const skipTo = (end: string, from: number) => {
    const at = sql.indexOf(end, from);
    return at < 0 ? sql.length : at + end.length;
  };
  while (i < sql.length) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') { i = skipTo('\n', i); continue; }
    if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql.startsWith('/*', i)) { depth++; i += 2; } else if (sql.startsWith('*/', i)) { depth--; i += 2; } else i++;
      }
      continue;
    }
    if (start < 0 && /\s/.test(c)) { i++; continue; }
    if (start < 0) start = i;
    if (c === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '');
      i++;
      while (i < sql.length) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === '"') { i = skipTo('"', i + 1); continue; }
    const tag = c === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '') ? /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64)) : null;
    if (tag) { i = skipTo(tag[0], i + tag[0].length); continue; }
    if (c === ';') { out.push(sql.slice(start, i + 1)); start = -1; }
    i++;
  }
  return out;
}

interface Definition { name: string; text: string }

const DEFINITION = /^create\s+(?:or\s+replace\s+)?function\s+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\s*\(/i;
const DROP = /^drop\s+function\s+(?:if\s+exists\s+)?([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b/i;

/** The function definitions (schema-qualified `create [or replace] function`) of a SQL file, in order. */
function definitions(sql: string): Definition[] {
  return statements(sql).flatMap((text) => {
    const m = DEFINITION.exec(text);
    if (!m) return [];
    assert.doesNotMatch(text, /\bbegin\s+atomic\b/i, `${m[1]}.${m[2]}: SQL-standard bodies (begin atomic) are not supported by this check`);
    return [{ name: `${m[1]}.${m[2]}`.toLowerCase(), text }];
  });
}
const drops = (sql: string) => statements(sql).flatMap((t) => { const m = DROP.exec(t); return m ? [`${m[1]}.${m[2]}`.toLowerCase()] : []; });

const migrationDefs = migrations.map((m) => definitions(read('migrations', m)));
const rollbackOf = (m: string) => m.replace(/\.sql$/, '.down.sql');

/** The newest definition of name in the migrations before index `before`, with the migration it is in. */
function newestBefore(name: string, before: number): { migration: string; text: string } | null {
  for (let i = before - 1; i >= 0; i--) {
    const found = migrationDefs[i].filter((d) => d.name === name);
    if (found.length) return { migration: migrations[i], text: found.at(-1)!.text };
  }
  return null;
}

const sources = (fs.existsSync(sourcesDir) ? fs.readdirSync(sourcesDir) : []).filter((f) => f.endsWith('.sql')).sort()
  .map((file) => ({ file, name: file.replace(/\.sql$/, ''), text: fs.readFileSync(path.join(sourcesDir, file), 'utf8') }));

describe('function sources (supabase/schema/functions)', () => {
  it('the statement splitter keeps dollar quotes, strings and comments inside their statement', () => {
    const sql = "-- a; b\ncreate function a.b() returns text language sql as $f$ select ';' $f$;\n/* x; /* y; */ */ select E'\\';', 'it''s;';\nselect $$;$$;";
    assert.deepEqual(statements(sql), [
      "create function a.b() returns text language sql as $f$ select ';' $f$;", "select E'\\';', 'it''s;';", 'select $$;$$;']);
  });

  it('each file holds exactly one create or replace function statement, named like the file', () => {
    assert.ok(sources.length > 0, 'no files in supabase/schema/functions');
    for (const s of sources) {
      assert.match(s.file, /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.sql$/, `${s.file}: name it <schema>.<function>.sql`);
      const defs = definitions(s.text);
      assert.equal(statements(s.text).length, 1, `${s.file}: one statement only`);
      assert.deepEqual(defs.map((d) => d.name), [s.name], `${s.file}: defines ${s.name}`);
      assert.match(defs[0].text, /^create or replace function /, `${s.file}: starts with create or replace function`);
      assert.equal(s.text, `${defs[0].text}\n`, `${s.file}: the statement and a newline, nothing else`);
    }
  });

  it('the newest migration defining each function states its file verbatim, and none drops it later', () => {
    for (const s of sources) {
      const newest = newestBefore(s.name, migrations.length);
      assert.ok(newest, `${s.file}: no migration defines ${s.name}`);
      assert.equal(newest.text, s.text.trimEnd(),
        `${s.name}: ${newest.migration} (its newest definition) differs from supabase/schema/functions/${s.file}; `
        + 'a migration that changes the function states the file\'s new text verbatim');
      const at = migrations.indexOf(newest.migration);
      const dropper = migrations.slice(at + 1).find((m) => drops(read('migrations', m)).includes(s.name));
      assert.equal(dropper, undefined, `${s.name} is dropped by ${dropper}: remove supabase/schema/functions/${s.file}`);
    }
  });

  it('every function that more than one migration defines has a file', () => {
    const count = new Map<string, number>();
    for (const defs of migrationDefs) for (const name of new Set(defs.map((d) => d.name))) count.set(name, (count.get(name) ?? 0) + 1);
    const missing = [...count].filter(([name, n]) => n > 1 && !sources.some((s) => s.name === name)).map(([name]) => name);
    assert.deepEqual(missing, [], `restated by a migration, so give each its current text in supabase/schema/functions/<schema>.<name>.sql: ${missing.join(', ')}`);
  });

  it('the migrated database defines each function exactly as its file does', async () => {
    for (const s of sources) {
      const [schema, fn] = s.name.split('.');
      await asOwner(async (tx) => {
        const live = () => tx`select p.oid::regprocedure::text as signature, pg_get_functiondef(p.oid) as definition
                              from pg_proc p where p.pronamespace = to_regnamespace(${schema}) and p.proname = ${fn} order by 1`;
        const before = await live();
        assert.ok(before.length > 0, `${s.name} is not in the migrated database`);
        await tx.unsafe(s.text); // replaced inside this transaction only: asOwner rolls back
        assert.deepEqual((await live()).map((r) => ({ ...r })), before.map((r) => ({ ...r })),
          `${s.name}: the migrated database's definition differs from supabase/schema/functions/${s.file}`);
      });
    }
  });

  it('each rollback restates exactly the previous definition of the functions its migration changed', () => {
    migrations.forEach((m, i) => {
      const rollback = read('rollbacks', rollbackOf(m));
      const restated = definitions(rollback);
      for (const d of restated) {
        const previous = newestBefore(d.name, i);
        assert.ok(previous, `${rollbackOf(m)} defines ${d.name}, which no migration before ${m} defined`);
        assert.equal(d.text, previous.text, `${rollbackOf(m)} restates ${d.name} differently from ${previous.migration}, its previous definition`);
      }
      for (const d of migrationDefs[i]) {
        const previous = newestBefore(d.name, i);
        if (!previous || previous.text === d.text) continue;
        assert.ok(restated.some((r) => r.name === d.name) || drops(rollback).includes(d.name),
          `${m} changes ${d.name}: ${rollbackOf(m)} must restate its definition from ${previous.migration}`);
      }
    });
  });
});
