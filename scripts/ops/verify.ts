/**
 * `npm run verify -- [--db-url <url>] [--json] [--report <file.md>] [--only <section>]`: the
 * deployment checklists as one command, against the local stack, a staging database or a Supabase
 * project. Sections: preflight, structure, smoke, performance, advisors. Prints a table (or JSON),
 * writes a Markdown report on request, and exits 1 when any item fails.
 */
import fs from 'node:fs';
import postgres from 'postgres';
import { parseCli, runCli, targetDatabaseUrl } from '../lib/cli.ts';
import { withProgress } from '../lib/progress.ts';
import { StackError } from '../lib/stack-error.ts';
import { advisors, type CheckItem, performanceChecks, preflight, SECTIONS, type Section, smoke, structure } from './verify/checks.ts';

const USAGE = 'npm run verify -- [--db-url <url>] [--json] [--report <file.md>] [--only preflight|structure|smoke|performance|advisors]';

export async function verify(url: string, only?: Section): Promise<CheckItem[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const items: CheckItem[] = [];
  try {
    try {
      await sql`select 1`;
    } catch (err) {
      return [{ section: 'preflight', name: 'connection', ok: false, evidence: (err as Error).message }];
    }
    const run = async (section: Section, fn: () => Promise<CheckItem[]>) => {
      if (only && only !== section) return;
      try {
        items.push(...await withProgress(`verify: ${section}`, fn));
      } catch (err) {
        items.push({ section, name: `${section} could not run`, ok: false, evidence: (err as Error).message });
      }
    };
    await run('preflight', () => preflight(sql));
    await run('structure', () => structure(sql));
    await run('smoke', () => smoke(sql));
    await run('performance', () => performanceChecks(sql));
    await run('advisors', () => advisors(url));
    return items;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function markdownReport(url: string, items: CheckItem[]): string {
  const target = new URL(url);
  const failed = items.filter((i) => !i.ok).length;
  const rows = items.map((i) => `| ${i.section} | ${i.name} | ${i.ok ? 'pass' : '**FAIL**'} | ${i.evidence.replaceAll('|', '\\|')} |`);
  return [
    `# Verification of ${target.hostname}:${target.port || 5432}${target.pathname}`,
    '',
    `${new Date().toISOString()}: ${items.length - failed} passed, ${failed} failed.`,
    '',
    '| section | check | result | evidence |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    'Signed off by: ______________________',
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli('verify', async () => {
    const values = parseCli({ 'db-url': { type: 'string' }, json: { type: 'boolean', default: false }, report: { type: 'string' }, only: { type: 'string' } }, USAGE);
    if (values.only !== undefined && !SECTIONS.includes(values.only as Section)) {
      throw new StackError(`--only must be one of ${SECTIONS.join(', ')}, got "${values.only}"`, `usage: ${USAGE}`);
    }
    const url = values['db-url'] ?? (await targetDatabaseUrl());
    const items = await verify(url, values.only as Section | undefined);
    const failed = items.filter((i) => !i.ok);
    if (values.json) {
      console.log(JSON.stringify({ target: new URL(url).host, passed: items.length - failed.length, failed: failed.length, items }, null, 2));
    } else {
      const width = Math.min(70, Math.max(...items.map((i) => i.name.length)));
      for (const i of items) console.log(`${i.ok ? 'pass' : 'FAIL'}  ${i.section.padEnd(11)} ${i.name.slice(0, width).padEnd(width)}  ${i.evidence.slice(0, 160)}`);
      console.log(`\n${items.length - failed.length} passed, ${failed.length} failed`);
    }
    if (values.report) {
      fs.writeFileSync(values.report, markdownReport(url, items));
      if (!values.json) console.log(`report written to ${values.report}`);
    }
    return failed.length ? 1 : 0;
  });
}
