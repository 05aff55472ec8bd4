/**
 * `npm start` keeps its processes running: a gateway or database server killed with SIGKILL is
 * restarted while the other keeps serving, Ctrl-C still stops everything (also while a restart
 * waits in its backoff), and a process that keeps failing right after start stops the stack
 * with exit code 1. Real processes throughout; the cases share one state folder (initialised
 * once) and its ports.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertPortFree, freePort, processAlive } from '../../scripts/local/stack/postgres-server.ts';
import { serverProcessesIn } from '../../scripts/local/stack/server-processes.ts';
import { PidFile } from '../../scripts/local/stack/stack-lock.ts';
import { cleanUpStacks, eventually, exitWithin, newStateDir, processesNaming, startStack, waitFor, type Running } from '../helpers/stack-run.ts';

after(cleanUpStacks);

let stateDir: string;
let dataDir: string;
let env: Record<string, string>;
const api = () => `http://127.0.0.1:${env.API_PORT}`;

before(async () => {
  stateDir = newStateDir();
  dataDir = path.join(stateDir, 'db');
  env = { STACK_STATE_DIR: stateDir, DB_PORT: String(await freePort()), API_PORT: String(await freePort()) };
});

async function started(): Promise<{ run: Running; anonKey: string; serviceKey: string }> {
  const run = startStack(env);
  await waitFor(run, /Press Ctrl-C to stop/);
  return { run, anonKey: /anon key: (\S+)/.exec(run.output())![1], serviceKey: /service_role key: (\S+)/.exec(run.output())![1] };
}

const gatewayPid = () => new PidFile(path.join(stateDir, 'gateway.pid')).live()?.pid;
const postmasterPid = () => Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** GET whoami as anon: needs the database (a transaction as the caller). */
async function whoami(anonKey: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${api()}/functions/v1/whoami`, { headers: { Authorization: `Bearer ${anonKey}`, apikey: anonKey }, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.json() };
}

/** List the private bucket as service_role: needs the Storage API's own pool. */
async function storageList(serviceKey: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${api()}/storage/v1/object/list/conversation-files`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${serviceKey}`, apikey: serviceKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ prefix: '' }),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, text: await res.text() };
}

/** Bind a port as soon as the process that held it is gone, so that the restart cannot have it. */
async function occupy(port: string): Promise<net.Server> {
  return await eventually(`port ${port} to be free`, 5_000, () => new Promise<net.Server | undefined>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(Number(port), '127.0.0.1', () => resolve(srv));
  }));
}

/** Nothing of the stack left: no process, both ports free, lock and status gone. */
async function assertAllStopped(): Promise<void> {
  assert.deepEqual(processesNaming(stateDir), [], 'no gateway or postmaster left');
  assert.deepEqual(serverProcessesIn(dataDir), [], 'no database backends left');
  await assertPortFree('127.0.0.1', Number(env.API_PORT), 'API gateway', 'API_PORT');
  await assertPortFree('127.0.0.1', Number(env.DB_PORT), 'database', 'DB_PORT');
  assert.equal(fs.existsSync(path.join(stateDir, 'stack.pid')), false, 'lock released');
  assert.equal(fs.existsSync(path.join(stateDir, 'status.json')), false, 'status.json removed');
  assert.equal(fs.existsSync(path.join(stateDir, 'gateway.pid')), false, 'gateway.pid removed');
}

describe('npm start supervision', () => {
  it('restarts a killed gateway and a killed database server, each while the other keeps running; SIGINT stops all', async () => {
    const { run, anonKey, serviceKey } = await started();
    try {
      assert.equal((await whoami(anonKey)).status, 200);

      const firstGateway = gatewayPid()!;
      const firstPostmaster = postmasterPid();
      process.kill(firstGateway, 'SIGKILL');
      await waitFor(run, /the API gateway exited unexpectedly \(signal SIGKILL\); restarting it in 0\.5 s \(restart 1, log \S+gateway\.log\)/, 10_000);
      const [, again] = await waitFor(run, /the API gateway is running again \(pid (\d+)\)/, 30_000);
      assert.equal(gatewayPid(), Number(again), 'gateway.pid names the new gateway');
      assert.deepEqual(await (await fetch(`${api()}/health`)).json(), { message: 'ok' });
      const who = await whoami(anonKey);
      assert.equal(who.status, 200, JSON.stringify(who.body));
      assert.equal((who.body as { db_role: string }).db_role, 'anon');
      assert.equal(postmasterPid(), firstPostmaster, 'the database kept running');
      assert.equal((await storageList(serviceKey)).status, 200, 'storage pool connected before the database dies');

      const mark = run.output().length;
      process.kill(firstPostmaster, 'SIGKILL');
      await waitFor(run, /the database server exited unexpectedly \(signal SIGKILL\); restarting it in 0\.5 s \(restart 1, log \S+db\.log\)/, 10_000, mark);
      await waitFor(run, /the database server is running again \(pid \d+\)/, 30_000, mark);
      const t0 = Date.now();
      // The gateway's pools (functions' and storage's) reconnect on their own.
      await eventually('whoami to answer 200 after the database restart', 10_000, async () => ((await whoami(anonKey)).status === 200 ? true : undefined));
      const list = await storageList(serviceKey);
      assert.equal(list.status, 200, `storage answers after the database restart: ${list.text}`);
      console.log(`whoami answered 200 ${Date.now() - t0} ms after the database server was back`);
      assert.notEqual(postmasterPid(), firstPostmaster);
      assert.equal(gatewayPid(), Number(again), 'the gateway kept running');
      assert.equal(processAlive(firstPostmaster), false);

      run.child.kill('SIGINT');
      assert.equal(await exitWithin(run, 15_000), 0, run.output());
      await assertAllStopped();
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('stops at once on SIGINT while a restart waits in its backoff', async () => {
    const { run } = await started();
    let blocker: net.Server | undefined;
    try {
      const mark = run.output().length;
      process.kill(postmasterPid(), 'SIGKILL');
      blocker = await occupy(env.DB_PORT);
      await waitFor(run, /the database server did not start again: database port \S+ is already in use.*; trying again in 2\.0 s \(restart 3,/, 15_000, mark);
      const t0 = Date.now();
      run.child.kill('SIGINT');
      assert.equal(await exitWithin(run, 10_000), 0, run.output());
      const seconds = (Date.now() - t0) / 1000;
      assert.ok(seconds < 5, `stopped in ${seconds} s`);
      assert.doesNotMatch(run.output().slice(mark), /restart 4|running again/, 'no restart after the stop');
      blocker.close();
      blocker = undefined;
      await assertAllStopped();
    } finally {
      blocker?.close();
      run.child.kill('SIGKILL');
    }
  });

  it('gives up on a gateway that keeps failing right after start: one line, the stack stops with exit 1', async () => {
    const { run } = await started();
    let blocker: net.Server | undefined;
    try {
      process.kill(gatewayPid()!, 'SIGKILL');
      blocker = await occupy(env.API_PORT);
      assert.equal(await exitWithin(run, 30_000), 1, run.output());
      const out = run.output();
      assert.equal(out.match(/ \(restart \d+, log /g)?.length, 4, out);
      assert.match(out, /the API gateway exited unexpectedly \(signal SIGKILL\); restarting it in 0\.5 s \(restart 1,/);
      assert.match(out, /the API gateway did not start again: API gateway port \S+ is already in use by another process; trying again in 4\.0 s \(restart 4,/);
      assert.match(out, /^error: the API gateway keeps failing right after start \(5 times in a row, last: did not start again: API gateway port \S+ is already in use by another process\); giving up and stopping the local stack; see \S+gateway\.log$/m);
      blocker.close();
      blocker = undefined;
      await assertAllStopped();
    } finally {
      blocker?.close();
      run.child.kill('SIGKILL');
    }
  });
});
