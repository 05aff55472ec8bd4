/**
 * A backup is two files side by side: `<name>.dump` (pg_dump's custom format) and `<name>.json`,
 * its manifest: where and when it was taken, by which pg_dump, the migration version, the dump's
 * size and sha256, and the row count of every table in the same snapshot as the dump. A restore
 * reads the manifest first and refuses an archive whose size or sha256 differ.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StackError } from '../../lib/stack-error.ts';
import { SAFE_NAME } from './contents.ts';

export const MANIFEST_FORMAT = 'assistant-platform-backup/1';

const safe = z.string().regex(SAFE_NAME);
const table = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/);

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  file: z.string().regex(/^[A-Za-z0-9._-]+\.dump$/),
  createdAt: z.string(),
  server: z.object({ version: z.string(), versionNum: z.number().int(), major: z.number().int() }),
  pgDump: z.object({ version: z.string(), major: z.number().int() }),
  database: z.object({ host: z.string(), port: z.number().int(), name: z.string(), user: z.string() }),
  migrationVersion: z.string().regex(/^\d+$/).nullable(),
  migrations: z.number().int().min(0),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contents: z.object({
    schemas: z.array(safe),
    platformTables: z.array(table),
    excludedTables: z.array(table),
    notIncluded: z.array(z.string()),
  }),
  rowCounts: z.record(table, z.number().int().min(0)),
  functions: z.array(z.string()),
  rlsTables: z.array(table),
  publications: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_$-]*:[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/)),
  platformPolicies: z.array(z.string()),
  extensions: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_$-]*@[A-Za-z_][A-Za-z0-9_$]*$/)),
  privileges: z.array(z.string()),
  acls: z.array(z.object({ kind: z.enum(['table', 'sequence', 'routine', 'schema', 'type', 'column']), name: z.string(), column: z.string().optional(), acl: z.string() })),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** What is not in any backup, said in the manifest too. */
export const NOT_INCLUDED = [
  'storage object bytes (they live in the Storage service, not the database)',
  'auth sessions and refresh tokens (a restore signs everyone out), MFA factors, audit log, SSO/SAML',
  'cron jobs (private.apply_job_schedules() recreates them), Vault secrets, extensions, roles and passwords',
];

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file).on('data', (d) => hash.update(d)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}

/** The manifest beside an archive: `x.dump` → `x.json`. */
export function manifestPathFor(dumpFile: string): string {
  return dumpFile.replace(/\.dump$/, '') + '.json';
}

export function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(file, 0o600);
}

/** Read and check a backup: the manifest's shape, then the archive's size and sha256 against it. */
export async function loadBackup(dumpFile: string, manifestFile = manifestPathFor(dumpFile)): Promise<Manifest> {
  if (!dumpFile.endsWith('.dump')) throw new StackError(`--file must name a .dump archive, got "${dumpFile}"`);
  if (!fs.existsSync(dumpFile)) throw new StackError(`no archive at ${dumpFile}`);
  if (!fs.existsSync(manifestFile)) throw new StackError(`no manifest at ${manifestFile}`, 'a backup is <name>.dump and <name>.json side by side; give --manifest if it was moved');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    throw new StackError(`the manifest ${manifestFile} is not JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StackError(`the manifest ${manifestFile} is not a backup manifest (${issue.path.join('.') || 'root'}: ${issue.message})`);
  }
  const manifest = parsed.data;
  if (path.basename(dumpFile) !== manifest.file) {
    throw new StackError(`the manifest ${manifestFile} describes ${manifest.file}, not ${path.basename(dumpFile)}`);
  }
  const size = fs.statSync(dumpFile).size;
  const sha = await sha256File(dumpFile);
  if (size !== manifest.size || sha !== manifest.sha256) {
    throw new StackError(`the archive ${dumpFile} does not match its manifest (size ${size}, sha256 ${sha.slice(0, 12)}…; the manifest says size ${manifest.size}, sha256 ${manifest.sha256.slice(0, 12)}…): refusing to restore it`,
      'the file was changed or damaged after the backup; take a new backup or find an intact copy');
  }
  return manifest;
}
