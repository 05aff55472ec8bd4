/** Bulk loading with COPY: rows streamed in batches, values escaped for COPY's text format. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from 'postgres';

type Value = string | number | boolean | null | Date | object;

function escape(v: Value): string {
  if (v === null || v === undefined) return '\\N';
  const s = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** COPY rows into table (schema-qualified) and columns, quoted as identifiers; onProgress is called with the running count. */
export async function copyRows(sql: Sql, table: string, columns: string[], rows: Iterable<Value[]>, onProgress?: (n: number) => void): Promise<number> {
  let n = 0;
  function* lines() {
    let batch: string[] = [];
    for (const row of rows) {
      batch.push(row.map(escape).join('\t'));
      n++;
      if (batch.length === 5000) {
        yield `${batch.join('\n')}\n`;
        batch = [];
        onProgress?.(n);
      }
    }
    if (batch.length) yield `${batch.join('\n')}\n`;
    onProgress?.(n);
  }
  const writable = await sql`copy ${sql(table)} (${sql(columns)}) from stdin`.writable();
  await pipeline(Readable.from(lines()), writable);
  return n;
}
