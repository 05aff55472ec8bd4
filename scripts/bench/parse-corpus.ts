/** The raw-response parser on its test corpus: outcomes by method, agreement, time per parse. */
import { corpus } from '../../supabase/functions/ingest-response/corpus.ts';
import { parseRawResponse } from '../../supabase/functions/ingest-response/parse.ts';

export interface ParseCorpusFigures {
  cases: number;
  direct: number;
  jsonrepair: number;
  review: number;
  success_rate_pct: number;
  matching_expectation: number;
  mean_parse_us: number;
}

export function parseRateOnCorpus(): ParseCorpusFigures {
  const counts = { direct: 0, jsonrepair: 0, review: 0 };
  let matching = 0;
  const t0 = performance.now();
  for (const c of corpus) {
    const r = parseRawResponse(c.raw, c.finishReason);
    const outcome = r.ok ? r.method : 'review';
    counts[outcome]++;
    if (outcome === c.expect) matching++;
  }
  const us = ((performance.now() - t0) * 1000) / corpus.length;
  return {
    cases: corpus.length,
    ...counts,
    success_rate_pct: Number((((counts.direct + counts.jsonrepair) / corpus.length) * 100).toFixed(1)),
    matching_expectation: matching,
    mean_parse_us: Math.round(us),
  };
}
