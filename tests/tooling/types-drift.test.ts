/** The committed database types are exactly what the migrations generate. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';
import { EXPECTED_SCHEMA_FILE, expectedSchemaText, generateTypes, TYPES_FILE } from '../../scripts/local/dev/generate-types.ts';
import { withScratchDatabase } from '../helpers/scratch-database.ts';
import { dbUrl } from '../helpers/db.ts';

describe('generated types', () => {
  it('match supabase gen types on the migrated database (run npm run gen:types after a migration)', async () => {
    const generated = await generateTypes(dbUrl());
    assert.match(generated, /"tenants": \{/);
    const committed = fs.existsSync(TYPES_FILE) ? fs.readFileSync(TYPES_FILE, 'utf8') : '';
    assert.ok(committed === generated, `${path.relative(repoRoot, TYPES_FILE)} differs from what the migrations generate: run npm run gen:types`);
  });

  it('exist once: types/database.types.ts re-exports the generated file, values included', async () => {
    const frontends = await import('../../types/database.types.ts');
    const generatedModule = await import('../../supabase/functions/_shared/database.types.ts');
    assert.deepEqual(Object.keys(frontends).sort(), Object.keys(generatedModule).sort());
    assert.equal(frontends.Constants, generatedModule.Constants);
    assert.doesNotMatch(fs.readFileSync(path.join(repoRoot, 'types', 'database.types.ts'), 'utf8'), /Database = \{/);
  });

  it('supabase/expected-schema.json (what verify expects) matches the migrations (run npm run gen:types after a migration)', async () => {
    await withScratchDatabase('expected_schema', { migrate: true }, async (db) => {
      const generated = await expectedSchemaText(db.url);
      const committed = fs.existsSync(EXPECTED_SCHEMA_FILE) ? fs.readFileSync(EXPECTED_SCHEMA_FILE, 'utf8') : '';
      assert.ok(committed === generated, 'supabase/expected-schema.json differs from what the migrations produce: run npm run gen:types');
    });
  });
});
