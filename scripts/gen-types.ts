/**
 * `npm run gen:types`: generate the database types from the migrations on a fresh throwaway
 * database and write types/database.types.ts and supabase/functions/_shared/database.types.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { reportFatal } from './lib/stack-error.ts';
import { repoRoot } from './stack/config.ts';
import { startThrowawayDatabase } from './stack/database.ts';
import { generateTypes, TYPES_FILES } from './stack/types.ts';

try {
  const db = await startThrowawayDatabase({ seed: false });
  try {
    const types = await generateTypes(db.postgresUrl);
    for (const file of TYPES_FILES) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const changed = !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== types;
      fs.writeFileSync(file, types);
      console.log(`${changed ? 'wrote' : 'unchanged'} ${path.relative(repoRoot, file)}`);
    }
  } finally {
    await db.stop();
  }
} catch (err) {
  reportFatal(err);
  process.exit(1);
}
