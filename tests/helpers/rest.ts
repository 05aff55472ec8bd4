/**
 * The Data API stand-in (/rest/v1) through supabase-js typed by the generated Database types, as
 * the frontends call it: clients for anon, a user (minted token like GoTrue's) and service_role,
 * and a raw fetch for what the client cannot express (bad tokens, odd headers, HEAD).
 */
import assert from 'node:assert/strict';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import type { Database } from '../../types/database.types.ts';
import { anonKey, apiUrl, serviceRoleKey, userToken } from './api.ts';

export type Db = SupabaseClient<Database>;

const options = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: WebSocket as never } };

export const anonDb = (): Db => createClient<Database>(apiUrl(), anonKey(), options);
export const serviceDb = (): Db => createClient<Database>(apiUrl(), serviceRoleKey(), options);
export async function userDb(userId: string): Promise<Db> {
  const token = await userToken(userId);
  return createClient<Database>(apiUrl(), anonKey(), { ...options, global: { headers: { Authorization: `Bearer ${token}` } } });
}

/** A raw request to /rest/v1<path> with the anon key (and the given headers over it). */
export async function rest(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const res = await fetch(`${apiUrl()}/rest/v1${path}`, { ...init, headers: { apikey: anonKey(), ...init.headers } });
  const text = await res.text();
  let json: unknown = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

/** A PostgREST error object: exactly code, details, hint and message. */
export function assertPgrstError(error: unknown, expected: { code: string; message?: string | RegExp; details?: unknown; hint?: unknown }): void {
  assert.ok(error && typeof error === 'object', `expected a PostgREST error, got ${JSON.stringify(error)}`);
  assert.deepEqual(Object.keys(error as object).sort(), ['code', 'details', 'hint', 'message']);
  const e = error as { code: string; message: string; details: unknown; hint: unknown };
  assert.equal(e.code, expected.code, JSON.stringify(e));
  if (expected.message instanceof RegExp) assert.match(e.message, expected.message);
  else if (expected.message !== undefined) assert.equal(e.message, expected.message);
  if ('details' in expected) assert.deepEqual(e.details, expected.details);
  if ('hint' in expected) assert.deepEqual(e.hint, expected.hint);
}
