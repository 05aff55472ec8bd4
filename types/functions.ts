/**
 * The edge functions for frontends: every function's request and response schemas (zod; the very
 * objects the functions parse their bodies with, from supabase/functions/_shared/contracts) and
 * `invokeFunction`, supabase-js's `functions.invoke` with the route, method, body and result typed
 * by those contracts, the answer validated at run time, and every failure one `FunctionError`.
 *
 *   const answer = await invokeFunction(supabase, 'submit-feedback', { message_id, rating: 1 });
 *   await invokeFunction(supabase, 'submit-feedback', { message_id }, { method: 'DELETE' });
 *   await invokeFunction(supabase, 'ingest-response/reparse', { conversation_id });
 *
 * It runs with the client's session (supabase-js sends the signed-in user's access token, else the
 * anon key). zod 4 is a peer requirement (types/package.json).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { FunctionsFetchError, FunctionsHttpError, FunctionsRelayError } from '@supabase/supabase-js';
import type { z } from 'zod';
import {
  ERROR_CODES, type ErrorCode, ingestRequestSchema, ingestResponseSchema, refreshViewsRequestSchema,
  refreshViewsResponseSchema, reparseRequestSchema, resumeRequestSchema, submitFeedbackResponseSchema,
  submitFeedbackSchema, whoamiResponseSchema, withdrawFeedbackSchema,
} from '../supabase/functions/_shared/contracts/index.js';

export * from '../supabase/functions/_shared/contracts/index.js';

interface Route {
  /** The body's schema, or null when the function reads none. */
  readonly request: z.ZodType | null;
  /** An empty body is accepted (it stands for `{}`). */
  readonly bodyOptional?: true;
  readonly response: z.ZodType;
}

const route = <R extends Route>(r: R): R => r;

/** Each function route (`name` or `name/action`) and method: what it takes and what it answers. */
export const functionContracts = {
  'ingest-response': { POST: route({ request: ingestRequestSchema, response: ingestResponseSchema }) },
  'ingest-response/reparse': { POST: route({ request: reparseRequestSchema, response: ingestResponseSchema }) },
  'ingest-response/resume': { POST: route({ request: resumeRequestSchema, response: ingestResponseSchema }) },
  'submit-feedback': {
    POST: route({ request: submitFeedbackSchema, response: submitFeedbackResponseSchema }),
    DELETE: route({ request: withdrawFeedbackSchema, response: submitFeedbackResponseSchema }),
  },
  'refresh-views': { POST: route({ request: refreshViewsRequestSchema, bodyOptional: true, response: refreshViewsResponseSchema }) },
  whoami: {
    GET: route({ request: null, response: whoamiResponseSchema }),
    POST: route({ request: null, response: whoamiResponseSchema }),
  },
} as const;

type Contracts = typeof functionContracts;
export type FunctionRoute = keyof Contracts;
export type FunctionMethod<R extends FunctionRoute> = keyof Contracts[R] & ('GET' | 'POST' | 'DELETE');
/** POST where a route takes it, else its one method. */
export type DefaultMethod<R extends FunctionRoute> = 'POST' extends FunctionMethod<R> ? 'POST' : FunctionMethod<R>;
type ContractOf<R extends FunctionRoute, M extends FunctionMethod<R>> = Contracts[R][M] extends Route ? Contracts[R][M] : never;

/** The body a route and method take (`undefined`: none). */
export type FunctionRequest<R extends FunctionRoute, M extends FunctionMethod<R> = DefaultMethod<R>> =
  ContractOf<R, M>['request'] extends z.ZodType ? z.input<ContractOf<R, M>['request']> : undefined;
/** What a route and method answer, validated. */
export type FunctionResponse<R extends FunctionRoute, M extends FunctionMethod<R> = DefaultMethod<R>> =
  z.output<ContractOf<R, M>['response']>;

export interface InvokeOptions<M extends string> {
  method?: M;
  headers?: Record<string, string>;
  /** Aborts the request (then a `network_error`); e.g. `AbortSignal.timeout(10_000)`. */
  signal?: AbortSignal;
}

/** The arguments after the route: the body (required unless the function reads none or accepts none), then options. */
export type InvokeArgs<R extends FunctionRoute, M extends FunctionMethod<R>> =
  ContractOf<R, M>['request'] extends null ? [body?: undefined, options?: InvokeOptions<M>]
    : ContractOf<R, M> extends { bodyOptional: true } ? [body?: FunctionRequest<R, M>, options?: InvokeOptions<M>]
      : [body: FunctionRequest<R, M>, options?: InvokeOptions<M>];

/** What went wrong, where the functions', the gateway's or the hosted relay's answer is not. */
export type FunctionErrorCode = ErrorCode | 'network_error' | 'invalid_response';

/**
 * Every failure of invokeFunction: an error answer, in any of the shapes in front of a function (the
 * functions' envelope `{"error": {code, message, details?}}`, the relay's `{"msg"}` or `{"code", "message"}`,
 * plain text), no answer at all (status 0, `network_error`), or an answer its schema does not
 * describe (`invalid_response`, the issues as details).
 */
export class FunctionError extends Error {
  /** The HTTP status; 0 when no answer arrived. */
  readonly status: number;
  readonly code: FunctionErrorCode;
  /** The envelope's details (a 422's issues `{path, message}`), or the body that had no envelope. */
  readonly details: unknown;

  constructor(init: { status: number; code: FunctionErrorCode; message: string; details?: unknown }) {
    super(init.message);
    this.name = 'FunctionError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
  }
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  409: 'conflict', 413: 'payload_too_large', 422: 'unprocessable',
};
const codeForStatus = (status: number): ErrorCode => STATUS_CODES[status] ?? (status >= 500 ? 'internal' : 'bad_request');
const isErrorCode = (v: unknown): v is ErrorCode => (ERROR_CODES as readonly unknown[]).includes(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** The fields error bodies carry, in the envelope (`error: {...}`) or beside it. */
interface ErrorBody { error?: unknown; msg?: unknown; message?: unknown; code?: unknown; details?: unknown }
const asBody = (v: unknown): ErrorBody => (typeof v === 'object' && v !== null ? v : {});

/** The one error for an HTTP error answer, whatever its body. */
export function functionErrorFrom(status: number, body: string): FunctionError {
  let value: unknown = body;
  try { value = JSON.parse(body); } catch { /* a text body */ }
  const outer = asBody(value);
  const inner = asBody(outer.error);
  const message = text(inner.message) ?? text(outer.msg) ?? text(outer.message) ?? text(outer.error) ?? text(value) ?? `HTTP ${status}`;
  if (text(inner.message) && isErrorCode(inner.code)) {
    return new FunctionError({ status, code: inner.code, message, details: inner.details });
  }
  return new FunctionError({ status, code: codeForStatus(status), message, details: typeof value === 'object' ? value : undefined });
}

async function failure(error: unknown): Promise<FunctionError> {
  if (error instanceof FunctionsHttpError || error instanceof FunctionsRelayError) {
    const res = error.context as Response;
    return functionErrorFrom(res.status, await res.text().catch(() => ''));
  }
  const cause = error instanceof FunctionsFetchError ? error.context : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new FunctionError({ status: 0, code: 'network_error', message: message || 'the function could not be reached', details: cause });
}

/**
 * Calls a function route with the client's session; resolves with its answer, validated by the
 * route's response schema, or rejects with a FunctionError.
 */
export async function invokeFunction<R extends FunctionRoute, M extends FunctionMethod<R> = DefaultMethod<R>>(
  client: Pick<SupabaseClient, 'functions'>, name: R, ...[body, options]: InvokeArgs<R, M>
): Promise<FunctionResponse<R, M>> {
  // A route or method the types rule out (a cast, plain JavaScript) is still sent: the gateway or the
  // function refuses it (404, 405) as it would anyone's; an answer without a contract is invalid_response.
  const routes: Record<string, Route | undefined> = functionContracts[name] ?? {};
  const method: string = options?.method ?? ('POST' in routes ? 'POST' : Object.keys(routes)[0] ?? 'POST');
  const contract = routes[method];
  const { data, error, response } = await client.functions.invoke(name, {
    method: method as 'GET' | 'POST' | 'DELETE',
    ...(body === undefined ? {} : { body: body as Record<string, unknown> }),
    ...(options?.headers ? { headers: options.headers } : {}),
    ...(options?.signal ? { signal: options.signal } : {}),
  });
  if (error) throw await failure(error);
  if (!contract) throw new FunctionError({ status: response?.status ?? 0, code: 'invalid_response', message: `no contract for ${method} ${name}`, details: data });
  const parsed = contract.response.safeParse(data);
  if (!parsed.success) {
    throw new FunctionError({
      status: response?.status ?? 0, code: 'invalid_response', message: `${name} answered what its contract does not describe`,
      details: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data as FunctionResponse<R, M>;
}
