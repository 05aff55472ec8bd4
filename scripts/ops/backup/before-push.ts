/**
 * `npm run db:push` takes a verified backup first when it is about to change a database that is not
 * local (the checklists: "Database backup completed (if production)"); --backup asks for one on a
 * local database too, --no-backup skips it.
 */
import { isLocalDatabase } from '../rollback.ts';

/** Whether to back up before pushing: asked for, refused, or by default when a non-local database changes. */
export function backupDecision(opts: { url: string; backup: boolean; noBackup: boolean; pending: number }): { take: boolean; reason: string } {
  if (opts.noBackup) return { take: false, reason: 'skipped (--no-backup)' };
  if (opts.pending === 0) return { take: false, reason: 'not needed (nothing to apply)' };
  if (opts.backup) return { take: true, reason: '--backup' };
  if (isLocalDatabase(opts.url)) return { take: false, reason: 'skipped (local database; --backup takes one)' };
  return { take: true, reason: 'non-local database' };
}
