/**
 * `npm run gen:types`: from the migrations, on a fresh throwaway database, write
 * supabase/functions/_shared/database.types.ts (supabase gen types; types/database.types.ts re-exports it),
 * and supabase/expected-schema.json (the catalog snapshot `npm run verify` compares targets with).
 */
import fs from 'node:fs';
import path from 'node:path';
import { reportFatal } from '../../lib/stack-error.ts';
import { repoRoot } from '../../lib/stack-config.ts';
import { startThrowawayDatabase } from '../stack/database.ts';
import { EXPECTED_SCHEMA_FILE, expectedSchemaText, generateTypes, TYPES_FILE } from './generate-types.ts';

try {
  const db = await startThrowawayDatabase({ seed: false });
  try {
    const types = await generateTypes(db.postgresUrl);
    const expected = await expectedSchemaText(db.postgresUrl);
    for (const [file, text] of [[TYPES_FILE, types], [EXPECTED_SCHEMA_FILE, expected]] as const) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const changed = !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
      fs.writeFileSync(file, text);
      console.log(`${changed ? 'wrote' : 'unchanged'} ${path.relative(repoRoot, file)}`);
    }
  } finally {
    await db.stop();
  }
} catch (err) {
  reportFatal(err);
  process.exit(1);
}
