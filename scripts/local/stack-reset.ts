/**
 * `npm run stack:reset`: wipe the local stack's data (the embedded cluster and its log), so the
 * next `npm start` initialises, migrates and seeds from scratch. Refuses while the stack runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { reportFatal, StackError } from '../lib/stack-error.ts';
import { loadStackConfig } from '../lib/stack-config.ts';
import { PostgresServer } from './stack/postgres-server.ts';
import { PidFile, StackLock } from './stack/stack-lock.ts';

try {
  const config = await loadStackConfig();
  const live = new StackLock(config.stateDir).holder();
  if (live) {
    throw new StackError(`the local stack is running (pid ${live.pid})`, 'stop it first (Ctrl-C in its terminal), then reset');
  }
  const dataDir = path.join(config.stateDir, 'db');
  // As root in a folder the postgres OS user cannot enter, the cluster lives in the shared folder,
  // linked from .stack/db: removed with the rest.
  const link = fs.lstatSync(dataDir, { throwIfNoEntry: false });
  const relocated = link?.isSymbolicLink() ? path.resolve(config.stateDir, fs.readlinkSync(dataDir)) : undefined;
  // A server orphaned by a killed stack would keep the files open: stop it first.
  await new PostgresServer({ dataDir, host: config.dbHost, port: config.dbPort, password: config.dbPassword }).recoverStaleServer();
  if (relocated) {
    fs.rmSync(relocated, { recursive: true, force: true });
    console.log(`removed the relocated cluster ${relocated}`);
  }
  const gateway = new PidFile(path.join(config.stateDir, 'gateway.pid')).live();
  if (gateway) process.kill(gateway.pid, 'SIGKILL');
  if (!fs.existsSync(config.stateDir)) {
    console.log(`nothing to reset: ${config.stateDir} does not exist`);
  } else {
    fs.rmSync(config.stateDir, { recursive: true, force: true });
    console.log(`removed ${config.stateDir}; the next npm start begins from an empty database`);
  }
} catch (err) {
  reportFatal(err);
  process.exit(1);
}
