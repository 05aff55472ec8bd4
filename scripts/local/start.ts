/**
 * `npm start`: the local stack in the foreground. Starts the embedded PostgreSQL 17 (PG_MAJOR=15:
 * the machine's PostgreSQL 15; or uses DATABASE_URL), applies the platform bootstrap, pushes migrations with the Supabase CLI,
 * seeds, prints the connection details like `supabase status`, and stops cleanly on
 * Ctrl-C / SIGTERM. The database server and the gateway are supervised: one that dies is
 * restarted (with a backoff) while the other keeps running; one that keeps failing right after
 * start stops the stack with exit code 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { reportFatal, StackError } from '../lib/stack-error.ts';
import { loadStackConfig, postgresUrl, type StackConfig } from '../lib/stack-config.ts';
import { embeddedUrls, prepareDatabase, resolveExternalDatabase, type DatabaseUrls } from './stack/database.ts';
import { Gateway } from './stack/gateway-process.ts';
import { assertPortFree, PostgresServer } from './stack/postgres-server.ts';
import { stackDataDir } from './stack/stack-data.ts';
import { StackLock } from './stack/stack-lock.ts';
import { Supervisor, type SupervisedProcess } from './stack/supervisor.ts';

/** One part of the stack; stopped in reverse order of start, after all were halted (no more restarts). */
interface StackService { name: string; halt(): void; stop(): Promise<void> }

function maskPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '****';
  return u.toString();
}

function printStatus(config: StackConfig, urls: DatabaseUrls, seconds: number): void {
  const dbUrl = config.externalDatabaseUrl ? maskPassword(urls.postgresUrl) : urls.postgresUrl;
  const rows: [string, string][] = [
    ['API URL', config.apiUrl],
    ['REST', `${config.apiUrl}/rest/v1`],
    ['Auth', `${config.apiUrl}/auth/v1`],
    ['Functions', `${config.apiUrl}/functions/v1/<name>`],
    ['Storage', `${config.apiUrl}/storage/v1`],
    ['DB URL', dbUrl],
    ['JWT secret', config.jwtSecret],
    ['anon key', config.anonKey],
    ['service_role key', config.serviceRoleKey],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nassistant-platform local stack started in ${seconds.toFixed(1)} s.\n`);
  for (const [k, v] of rows) console.log(`${k.padStart(width)}: ${v}`);
  console.log('\nPress Ctrl-C to stop.');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  let config: StackConfig;
  try {
    config = await loadStackConfig();
  } catch (err) {
    reportFatal(err instanceof StackError ? err : new StackError((err as Error).message));
    process.exit(1);
  }
  fs.mkdirSync(config.stateDir, { recursive: true, mode: 0o755 });
  const lock = new StackLock(config.stateDir);
  const statusFile = path.join(config.stateDir, 'status.json');
  const services: StackService[] = [];
  let stopping: Promise<never> | undefined;

  // The first call decides the exit code; later ones (a second Ctrl-C, a start failing because
  // we are stopping) wait for the same shutdown.
  const shutdown = (code: number, reason?: string): Promise<never> => stopping ??= (async () => {
    if (reason) console.log(reason);
    for (const service of services) service.halt();
    for (const service of [...services].reverse()) {
      try {
        await service.stop();
      } catch (err) {
        reportFatal(err, `stopping ${service.name}`);
        code = code || 1;
      }
    }
    fs.rmSync(statusFile, { force: true });
    lock.release();
    process.exit(code);
  })();
  const supervise = (name: string, what: SupervisedProcess, logFile: string): Supervisor => {
    const supervisor = new Supervisor(what, { name, logFile, onGiveUp: (message) => {
      reportFatal(new StackError(message));
      void shutdown(1);
    } });
    services.push({ name, halt: () => supervisor.halt(), stop: () => supervisor.stop() });
    return supervisor;
  };

  try {
    lock.acquire();
  } catch (err) {
    reportFatal(err);
    process.exit(1);
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(0, `\n${signal}: stopping the local stack...`));
  }

  try {
    let urls: DatabaseUrls;
    if (config.externalDatabaseUrl) {
      urls = await resolveExternalDatabase(config.externalDatabaseUrl, config.dbPassword);
    } else {
      const where = { host: config.dbHost, port: config.dbPort, password: config.dbPassword };
      const { dataDir, note } = await stackDataDir(config.stateDir, where);
      if (note) console.log(note);
      const server = new PostgresServer({ dataDir, logFile: path.join(config.stateDir, 'db.log'), ...where });
      const supervisor = supervise('database server', server, server.logFile);
      await server.recoverStaleServer();
      await assertPortFree(config.dbHost, config.dbPort, 'database', 'DB_PORT');
      if (await server.initialise()) console.log(`initialised a new database cluster in ${server.opts.dataDir}`);
      await supervisor.start();
      urls = embeddedUrls(server, config.dbPassword);
    }
    const prepared = await prepareDatabase(urls, { dbPassword: config.dbPassword, seed: true });
    const db = new URL(prepared.postgresUrl);
    const gateway = new Gateway({
      host: '127.0.0.1',
      port: config.apiPort,
      apiUrl: config.apiUrl,
      jwtSecret: config.jwtSecret,
      anonKey: config.anonKey,
      serviceRoleKey: config.serviceRoleKey,
      dbUrl: prepared.postgresUrl,
      storageDbUrl: postgresUrl({ user: 'supabase_storage_admin', password: config.dbPassword, host: db.hostname, port: Number(db.port || 5432), database: db.pathname.slice(1) || 'postgres' }),
      storageRoot: path.join(config.stateDir, 'storage'),
      logFile: path.join(config.stateDir, 'gateway.log'),
      pidFile: path.join(config.stateDir, 'gateway.pid'),
    });
    await supervise('API gateway', gateway, gateway.opts.logFile!).start();
    if (stopping) return;
    if (prepared.bootstrap === 'skipped-supabase') console.log('the database already is Supabase: platform bootstrap skipped');
    for (const line of prepared.pushOutput.split('\n')) {
      if (/^(Applying|Seeding|Remote database is up to date)/.test(line.trim())) console.log(line.trim());
    }
    fs.writeFileSync(statusFile, JSON.stringify({
      pid: process.pid,
      dbUrl: prepared.postgresUrl,
      apiUrl: config.apiUrl,
      jwtSecret: config.jwtSecret,
      anonKey: config.anonKey,
      serviceRoleKey: config.serviceRoleKey,
    }, null, 2), { mode: 0o600 });
    printStatus(config, prepared, (performance.now() - t0) / 1000);
  } catch (err) {
    if (stopping) return; // failed because a stop was requested meanwhile: that shutdown exits
    reportFatal(err);
    await shutdown(1);
  }
}

await main();
