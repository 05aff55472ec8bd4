/**
 * Where `npm start` keeps its database cluster: <state folder>/db. As root, when the `postgres` OS
 * user cannot enter the state folder (a project under /root, a `mktemp -d` folder), the cluster
 * lives in the shared folder instead (see shared-dirs.ts), <state folder>/db is a link to it, and
 * a note says so. A link removed by `npm run stack:reset` leaves the shared cluster behind: the
 * next start finds it unlinked and wipes it, so the reset still means an empty database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { firstUnreachable, serverCanReach, serverIdentity } from './os-user.ts';
import { PostgresServer } from './postgres-server.ts';
import { relocatedDataDir } from './shared-dirs.ts';

export interface StackDataDir {
  /** The real data folder (what the server is started with). */
  dataDir: string;
  /** Set when the cluster lives outside the state folder: one line for the user. */
  note?: string;
}

export async function stackDataDir(stateDir: string, server: { host: string; port: number; password: string }): Promise<StackDataDir> {
  const link = path.join(stateDir, 'db');
  const identity = serverIdentity();
  const linked = fs.lstatSync(link, { throwIfNoEntry: false });
  if (!identity || (!linked?.isSymbolicLink() && serverCanReach(stateDir, identity))) return { dataDir: link };
  const target = relocatedDataDir(stateDir, identity);
  if (linked && !linked.isSymbolicLink()) return { dataDir: link }; // a cluster made before: the server's own checks speak
  if (!linked) {
    // Left by a stack that was reset (the link went with the state folder): stop what may run there, then wipe it.
    if (fs.existsSync(target)) {
      await new PostgresServer({ dataDir: target, ...server }).recoverStaleServer();
      fs.rmSync(target, { recursive: true, force: true });
    }
    fs.symlinkSync(target, link);
  } else if (path.resolve(stateDir, fs.readlinkSync(link)) !== target) {
    return { dataDir: path.resolve(stateDir, fs.readlinkSync(link)) };
  }
  return {
    dataDir: target,
    note: `note: the "postgres" OS user the server runs as cannot enter ${firstUnreachable(stateDir, identity) ?? stateDir}, so the database cluster lives in ${target} (linked from ${link}; npm run stack:reset empties it)`,
  };
}
