/**
 * A gateway of a test's own (beside the shared one npm test starts), on a free port, against the
 * test database: for faults injected into one gateway (storage unreachable) or for measuring one
 * process (memory). Stopped and its folder removed by the returned stop().
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Gateway, type GatewayOptions } from '../../scripts/local/stack/gateway-process.ts';
import { freePort } from '../../scripts/local/stack/postgres-server.ts';
import { anonKey, serviceRoleKey } from './api.ts';

export async function startOwnGateway(overrides: Partial<GatewayOptions> = {}): Promise<{ gateway: Gateway; stop: () => Promise<void> }> {
  const port = await freePort();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-platform-own-gateway-'));
  const db = new URL(process.env.TEST_DB_URL!);
  const gateway = new Gateway({
    host: '127.0.0.1', port, apiUrl: `http://127.0.0.1:${port}`, jwtSecret: process.env.TEST_JWT_SECRET!,
    anonKey: anonKey(), serviceRoleKey: serviceRoleKey(), dbUrl: process.env.TEST_DB_URL!,
    storageDbUrl: `postgresql://supabase_storage_admin:postgres@${db.host}/postgres`, storageRoot: root,
    logFile: path.join(root, 'gateway.log'), schedules: false,
    ...overrides,
  });
  await gateway.start();
  return {
    gateway,
    stop: async () => {
      await gateway.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
