/**
 * An archive's table of contents as `pg_restore --list` prints it, and the lists a restore feeds
 * back to `pg_restore -L` (which restores exactly the listed entries, in the listed order):
 *
 *   the restore list   the application schemas whole; the history schema whole, or its rows only
 *                      when the target already has it; the kept platform tables' rows (first in the
 *                      data section, parents before children) and the app's policies on them
 *   the platform list  (drills only) the auth and storage structure, without rows or those
 *                      policies, and public's grants and default privileges, to make a blank
 *                      scratch database look like a Supabase project
 */
import { StackError } from '../../lib/stack-error.ts';
import { APP_SCHEMAS, HISTORY_SCHEMA, PLATFORM_SCHEMAS, PLATFORM_TABLES } from './contents.ts';

export interface TocEntry {
  line: string;
  desc: string;
  namespace: string;
  /** The tag without the owner: a table's name, "table policy" for a policy, "SCHEMA x" for a comment. */
  tag: string;
}

export interface Toc {
  dumpedFrom?: string;
  dumpedBy?: string;
  entries: TocEntry[];
}

/** Object kinds pg_dump 15-18 writes, longest first so "TABLE DATA" wins over "TABLE". */
const DESCS = [
  'MATERIALIZED VIEW DATA', 'PUBLICATION TABLES IN SCHEMA', 'TEXT SEARCH CONFIGURATION', 'TEXT SEARCH DICTIONARY', 'TEXT SEARCH PARSER',
  'TEXT SEARCH TEMPLATE', 'FOREIGN DATA WRAPPER', 'DATABASE PROPERTIES', 'PROCEDURAL LANGUAGE', 'MATERIALIZED VIEW', 'PUBLICATION TABLE',
  'SEQUENCE OWNED BY', 'LARGE OBJECT DATA', 'CHECK CONSTRAINT', 'OPERATOR FAMILY', 'OPERATOR CLASS', 'FOREIGN SERVER', 'SECURITY LABEL',
  'ACCESS METHOD', 'EVENT TRIGGER', 'FOREIGN TABLE', 'FK CONSTRAINT', 'INDEX ATTACH', 'LARGE OBJECT', 'ROW SECURITY', 'SEQUENCE SET',
  'TABLE ATTACH', 'USER MAPPING', 'DEFAULT ACL', 'SHELL TYPE', 'SUBSCRIPTION', 'TABLE DATA', 'BLOB DATA', 'AGGREGATE', 'COLLATION',
  'CONSTRAINT', 'CONVERSION', 'PROCEDURE', 'STATISTICS', 'EXTENSION', 'PUBLICATION', 'TRANSFORM', 'BLOBS', 'DATABASE', 'FUNCTION',
  'LANGUAGE', 'OPERATOR', 'SEQUENCE', 'TRIGGER', 'COMMENT', 'DEFAULT', 'DOMAIN', 'INDEX', 'POLICY', 'SCHEMA', 'SERVER', 'TABLE',
  'CAST', 'RULE', 'TYPE', 'VIEW', 'ACL', 'BLOB',
];

const ENTRY = /^(\d+); (\d+) (\d+) (.*)$/;

export function parseToc(listing: string): Toc {
  const toc: Toc = { entries: [] };
  for (const line of listing.split('\n')) {
    if (line.startsWith(';')) {
      const from = /^;\s+Dumped from database version: (.+)$/.exec(line);
      const by = /^;\s+Dumped by pg_dump version: (.+)$/.exec(line);
      if (from) toc.dumpedFrom = from[1].trim();
      if (by) toc.dumpedBy = by[1].trim();
      continue;
    }
    if (!line.trim()) continue;
    const m = ENTRY.exec(line);
    const rest = m?.[4] ?? '';
    const desc = DESCS.find((d) => rest.startsWith(`${d} `));
    if (!m || !desc) throw new StackError(`unexpected line in the archive's table of contents: "${line.slice(0, 120)}"`, 'the archive was not written by pg_dump, or by a version this tool does not know');
    const after = rest.slice(desc.length + 1);
    const space = after.indexOf(' ');
    const namespace = after.slice(0, space);
    const tagAndOwner = after.slice(space + 1);
    const lastSpace = tagAndOwner.lastIndexOf(' ');
    toc.entries.push({ line, desc, namespace, tag: lastSpace > 0 ? tagAndOwner.slice(0, lastSpace) : tagAndOwner });
  }
  return toc;
}

/** "schema.table" of every TABLE DATA entry. */
export function dataTables(toc: Toc): string[] {
  return toc.entries.filter((e) => e.desc === 'TABLE DATA').map((e) => `${e.namespace}.${e.tag}`);
}

/** The schema an entry belongs to: its namespace, or for schema-level entries ("-") the schema it names. */
function schemaOf(e: TocEntry): string | undefined {
  if (e.namespace !== '-') return e.namespace;
  if (e.desc === 'SCHEMA') return e.tag;
  const m = /^SCHEMA (.+)$/.exec(e.tag);
  if ((e.desc === 'COMMENT' || e.desc === 'ACL') && m) return m[1];
  return undefined;
}

const isPlatformTable = (t: string) => (PLATFORM_TABLES as readonly string[]).includes(t);
const policyTable = (e: TocEntry) => `${e.namespace}.${e.tag.split(' ')[0]}`;

export interface RestoreLists {
  /** Up to the first row to load: drops (with --clean) and the structure. */
  structure: string[];
  /** The rows (platform tables first), then indexes, constraints, triggers, policies. */
  rest: string[];
}

/** The restore list, cut where the rows start (a --clean restore deletes the platform rows there). */
export function restoreLists(toc: Toc, opts: { historyDataOnly: boolean }): RestoreLists {
  const chosen: TocEntry[] = [];
  for (const e of toc.entries) {
    const schema = schemaOf(e);
    if (schema === undefined) throw new StackError(`unexpected entry in the archive: "${e.line}"`, 'this archive holds objects outside the schemas a backup takes');
    if ((APP_SCHEMAS as readonly string[]).includes(schema)) {
      // public itself, its comment, grants and default privileges belong to the platform.
      if (schema === 'public' && (e.namespace === '-' || e.desc === 'DEFAULT ACL')) continue;
      chosen.push(e);
    } else if (schema === HISTORY_SCHEMA) {
      if (!opts.historyDataOnly || e.desc === 'TABLE DATA') chosen.push(e);
    } else if ((PLATFORM_SCHEMAS as readonly string[]).includes(schema)) {
      if (e.desc === 'TABLE DATA' && isPlatformTable(`${e.namespace}.${e.tag}`)) chosen.push(e);
      if (e.desc === 'POLICY' && isPlatformTable(policyTable(e))) chosen.push(e);
    } else {
      throw new StackError(`unexpected schema ${schema} in the archive: "${e.line}"`);
    }
  }
  const firstData = chosen.findIndex((e) => e.desc === 'TABLE DATA');
  if (firstData < 0) return { structure: chosen.map((e) => e.line), rest: [] };
  const platformRows = PLATFORM_TABLES.map((t) => chosen.find((e) => e.desc === 'TABLE DATA' && `${e.namespace}.${e.tag}` === t)).filter((e): e is TocEntry => !!e);
  const others = chosen.slice(firstData).filter((e) => !platformRows.includes(e));
  return { structure: chosen.slice(0, firstData).map((e) => e.line), rest: [...platformRows, ...others].map((e) => e.line) };
}

/** The role a TOC line names last (an entry's owner; for a DEFAULT ACL, the role it is for). */
const ownerOf = (e: TocEntry) => e.line.slice(e.line.lastIndexOf(' ') + 1);

/**
 * For a drill: what a Supabase project has before any migration, from the archive itself: the auth
 * and storage structure (no rows, no app policies, no sequence values), the grants on schema public
 * and the default privileges of `login` in public (so the drill meets them as a real restore does).
 */
export function platformList(toc: Toc, login: string): string[] {
  return toc.entries.filter((e) => {
    const schema = schemaOf(e);
    if (schema === 'public') return e.namespace === '-' ? e.desc === 'ACL' : e.desc === 'DEFAULT ACL' && ownerOf(e) === login;
    if (!schema || !(PLATFORM_SCHEMAS as readonly string[]).includes(schema)) return false;
    if (['TABLE DATA', 'SEQUENCE SET', 'DEFAULT ACL'].includes(e.desc)) return false;
    return !(e.desc === 'POLICY' && isPlatformTable(policyTable(e)));
  }).map((e) => e.line);
}
