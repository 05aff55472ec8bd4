/**
 * Test-only objects for the Data API stand-in: DDL run as the superuser in `graphql_public` (an
 * exposed schema that holds nothing of ours), then NOTIFY pgrst so the schema cache reloads, and a
 * wait until the stand-in serves them; dropped the same way afterwards. Names carry the process id,
 * so test files running side by side never meet.
 */
import { connect, superuserUrl } from './db.ts';
import { rest } from './rest.ts';
import { serviceRoleKey } from './api.ts';

export const PROBE_SCHEMA = 'graphql_public';
export const probeName = (name: string) => `${name}_${process.pid}`;

/** GET /rest/v1<path> in graphql_public as service_role. */
export const probeGet = (path: string) =>
  rest(path, { headers: { Authorization: `Bearer ${serviceRoleKey()}`, 'Accept-Profile': PROBE_SCHEMA } });

/** Runs the DDL, reloads the cache and waits until `ready` (a path) answers 200. */
export async function createProbe(ddl: string, ready: string): Promise<void> {
  await connect(superuserUrl()).unsafe(`create schema if not exists ${PROBE_SCHEMA};
    grant usage on schema ${PROBE_SCHEMA} to anon, authenticated, service_role;
    ${ddl};
    notify pgrst, 'reload schema'`);
  for (let i = 0; i < 100; i++) {
    if ((await probeGet(ready)).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the schema cache never served ${ready}`);
}

export async function dropProbe(ddl: string): Promise<void> {
  await connect(superuserUrl()).unsafe(`${ddl}; notify pgrst, 'reload schema'`);
}
