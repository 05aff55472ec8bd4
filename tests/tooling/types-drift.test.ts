/** The committed database types are exactly what the migrations generate. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { EXPECTED_SCHEMA_FILE, expectedSchemaText, generateTypes, TYPES_FILES } from '../../scripts/local/dev/generate-types.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { dbUrl } from '../helpers/db.ts';

describe('generated types', () => {
  it('match supabase gen types on the migrated database (run npm run gen:types after a migration)', async () => {
    const generated = await generateTypes(dbUrl());
    assert.match(generated, /"tenants": \{/);
    for (const file of TYPES_FILES) {
      const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      assert.ok(committed === generated, `${path.relative(repoRoot, file)} differs from what the migrations generate: run npm run gen:types`);
    }
  });

  it('supabase/expected-schema.json (what verify expects) matches the migrations (run npm run gen:types after a migration)', async () => {
    await withScratchDatabase('expected_schema', { migrate: true }, async (db) => {
      const generated = await expectedSchemaText(db.url);
      const committed = fs.existsSync(EXPECTED_SCHEMA_FILE) ? fs.readFileSync(EXPECTED_SCHEMA_FILE, 'utf8') : '';
      assert.ok(committed === generated, 'supabase/expected-schema.json differs from what the migrations produce: run npm run gen:types');
    });
  });
});
