/**
 * The house's layering, read from the import statements themselves:
 *   scripts/lib        imports nothing from the other script folders (it may use the functions' _shared code);
 *   scripts/local, scripts/ops   import lib (and _shared), never each other or bench;
 *   scripts/bench, scripts/jobs  may import anything under scripts/;
 *   supabase/functions are deployed alone: they import nothing outside supabase/functions.
 * No files import each other in a loop, and source files stay small.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';

const SOURCE = /\.(ts|mjs)$/;
const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function filesUnder(dir: string, pattern = SOURCE): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(rel, pattern));
    else if (pattern.test(e.name)) out.push(rel);
  }
  return out;
}

/** Repo-relative file → the repo-relative files it imports. */
function importGraph(roots: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of roots.flatMap((root) => filesUnder(root))) {
    const text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => {
      const spec = (m[1] ?? m[2]).replace(/\.js$/, '.ts');
      return path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    });
    graph.set(file, targets);
  }
  return graph;
}

/** The layer a file is in, for the rules above. */
function layer(file: string): string {
  const m = /^scripts\/([^/]+)\//.exec(file);
  if (m) return `scripts/${m[1]}`;
  if (file.startsWith('supabase/functions/')) return 'functions';
  return file.split('/')[0];
}

const MAY_IMPORT: Record<string, string[]> = {
  'scripts/lib': ['scripts/lib', 'functions'],
  'scripts/local': ['scripts/local', 'scripts/lib', 'functions'],
  'scripts/ops': ['scripts/ops', 'scripts/lib', 'functions'],
  'scripts/bench': ['scripts/bench', 'scripts/local', 'scripts/ops', 'scripts/lib', 'functions'],
  'scripts/jobs': ['scripts/ops', 'scripts/lib'],
  functions: ['functions'],
  types: ['functions'],
};

const graph = importGraph(['scripts', 'supabase/functions', 'types']);

describe('layers', () => {
  it('every import runs from a layer to one it may use', () => {
    assert.ok(graph.size > 50, `read ${graph.size} files`);
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const allowed = MAY_IMPORT[layer(file)];
      assert.ok(allowed, `${file} is in no known layer (${layer(file)}): add it to MAY_IMPORT`);
      for (const t of targets) if (!allowed.includes(layer(t))) wrong.push(`${file} → ${t}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([file, targets]) => targets.filter((t) => !fs.existsSync(path.join(repoRoot, t))).map((t) => `${file} → ${t}`));
    assert.deepEqual(missing, []);
  });

  it('no files import each other in a loop', () => {
    const state = new Map<string, 'open' | 'done'>();
    const loops: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        loops.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const t of graph.get(file) ?? []) visit(t, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(loops, []);
  });

  it('source files stay small: gateway files under 250 lines, every other file under 300 (generated types aside)', () => {
    const large: string[] = [];
    const sqlSources = filesUnder('scripts', /\.sql$/);
    assert.ok(sqlSources.length > 0);
    for (const file of [...graph.keys(), ...filesUnder('tests'), ...sqlSources]) {
      if (file.endsWith('database.types.ts')) continue;
      const lines = fs.readFileSync(path.join(repoRoot, file), 'utf8').split('\n').length - 1;
      const limit = file.startsWith('scripts/local/gateway/') ? 250 : 300;
      if (lines > limit) large.push(`${file}: ${lines} lines (limit ${limit})`);
    }
    assert.deepEqual(large, []);
  });
});
