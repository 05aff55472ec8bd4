/**
 * The answers' contract, checked on every fuzzed response: no 5xx (and an answer at all), HEAD
 * answers without a body, and one error shape per prefix: under /functions/v1 every non-2xx is
 * {"error": {"code": string, "message": string, "details"?: any}} (a 401 may also carry a
 * top-level "msg"), under /storage/v1 it is {"statusCode", "code", "error", "message"}, all strings.
 */
import type { FuzzRequest, FuzzResponse } from './fuzz-http.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(res: FuzzResponse): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(res.body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function functionsError(res: FuzzResponse): string | null {
  const parsed = parse(res);
  if (!parsed.ok) return 'is not JSON';
  const v = parsed.value;
  if (!isObject(v)) return 'is not a JSON object';
  const extra = Object.keys(v).filter((k) => k !== 'error' && !(k === 'msg' && res.status === 401));
  if (extra.length) return `has top-level keys other than "error": ${extra.join(', ')}`;
  const e = v.error;
  if (!isObject(e)) return 'has no "error" object';
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return 'error.code and error.message are not both strings';
  const odd = Object.keys(e).filter((k) => !['code', 'message', 'details'].includes(k));
  return odd.length ? `error has keys other than code, message, details: ${odd.join(', ')}` : null;
}

function storageError(res: FuzzResponse): string | null {
  const parsed = parse(res);
  if (!parsed.ok) return 'is not JSON';
  const v = parsed.value;
  if (!isObject(v)) return 'is not a JSON object';
  const keys = Object.keys(v).sort().join(',');
  if (keys !== 'code,error,message,statusCode') return `has keys ${keys || '(none)'}, not statusCode, code, error, message`;
  const notString = ['statusCode', 'code', 'error', 'message'].filter((k) => typeof v[k] !== 'string');
  return notString.length ? `${notString.join(', ')} not strings` : null;
}

export function checkShape(family: 'functions' | 'storage', req: FuzzRequest, res: FuzzResponse): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`5xx: ${res.status}`);
  if (res.status === 0) return problems; // no answer: the client hung up on a body that never came
  if (req.method === 'HEAD') {
    if (res.rawBodyLength > 0) problems.push(`HEAD answered with a body (${res.rawBodyLength} bytes)`);
    return problems;
  }
  if (res.status >= 200 && res.status < 300) return problems;
  const shapeProblem = family === 'functions' ? functionsError(res) : storageError(res);
  if (shapeProblem) problems.push(`error shape: the ${res.status} body under /${family === 'functions' ? 'functions' : 'storage'}/v1 ${shapeProblem}`);
  return problems;
}
