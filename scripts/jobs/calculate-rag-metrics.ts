/**
 * The daily RAG metrics job under the name the RAG metrics checklist runs
 * (`npx tsx scripts/jobs/calculate-rag-metrics.ts`); the job itself is
 * scripts/ops/jobs/calculate-rag-metrics.ts, with its options.
 */
import { runCli } from '../lib/cli.ts';
import { main } from '../ops/jobs/calculate-rag-metrics.ts';

await runCli('calculate-rag-metrics', main);
