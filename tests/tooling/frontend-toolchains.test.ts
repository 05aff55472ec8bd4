/**
 * types/ from the frontend toolchains people start from: tests/fixtures/frontend-vite (tsconfig from
 * `npm create vite`, react-ts: bundler resolution, verbatimModuleSyntax, erasableSyntaxOnly,
 * noUnusedLocals, strict) and tests/fixtures/frontend-next (tsconfig from create-next-app: bundler
 * resolution, no allowImportingTsExtensions, strict) each compile an app file that imports the kit
 * as an app does (no extension). Vite's template turns allowImportingTsExtensions on, so its app is
 * also compiled with it off and with the strictest optional checks. The app files assert exact
 * types (unions for closed sets, no `any`), and their `// @ts-expect-error: ` lines are misuses
 * (a misspelt function name, a wrong body or method) that tsc fails on if one compiles.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../scripts/lib/stack-config.ts';

const fixtures = path.join(repoRoot, 'tests', 'fixtures');
const vite = path.join(fixtures, 'frontend-vite');
const next = path.join(fixtures, 'frontend-next');
const tsc = path.join(repoRoot, 'node_modules', '.bin', 'tsc');

/** A tsconfig's compilerOptions (tsconfig files are JSON with comments). */
function compilerOptions(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, 'utf8').replace(/^\s*\/\*.*\*\/\s*$/gm, ''); // the templates' comments are whole lines
  return (JSON.parse(text) as { compilerOptions: Record<string, unknown> }).compilerOptions;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name)).map((e) => path.join(e.parentPath, e.name));
}

/** Every file in a folder with its size and mtime: compiling must write nothing there (no tsbuildinfo). */
const snapshot = (dir: string) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  .map((e) => `${path.relative(dir, path.join(e.parentPath, e.name))}:${e.isFile() ? fs.statSync(path.join(e.parentPath, e.name)).mtimeMs : 'dir'}`).sort();

function compile(project: string, extra: string[] = []): void {
  const result = spawnSync(tsc, ['-p', project, '--pretty', 'false', ...extra], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(result.status, 0, `tsc -p ${path.relative(repoRoot, project)} ${extra.join(' ')}\n${result.stdout}${result.stderr}`);
}

const STRICTEST = ['--noUncheckedIndexedAccess', '--exactOptionalPropertyTypes', '--noPropertyAccessFromIndexSignature', '--noImplicitOverride', '--noImplicitReturns'];

describe('frontend toolchains', () => {
  it('the fixtures keep the templates\' settings, import every file of types/, and check misuses', () => {
    const viteOptions = compilerOptions(path.join(vite, 'tsconfig.app.json'));
    assert.deepEqual([viteOptions.moduleResolution, viteOptions.strict, viteOptions.verbatimModuleSyntax, viteOptions.erasableSyntaxOnly], ['bundler', true, true, true]);
    const nextOptions = compilerOptions(path.join(next, 'tsconfig.json'));
    assert.deepEqual([nextOptions.moduleResolution, nextOptions.strict, nextOptions.allowImportingTsExtensions], ['bundler', true, undefined]);

    const app = [...sources(vite), ...sources(next)].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const kit = fs.readdirSync(path.join(repoRoot, 'types')).filter((f) => f.endsWith('.ts'));
    const unimported = kit.filter((f) => !app.includes(`types/${f.replace(/\.ts$/, '')}'`));
    assert.deepEqual(unimported, [], 'every file of types/ is imported by a fixture app');
    const misuses = app.split('\n').filter((l) => /^\s*\/\/ @ts-expect-error: /.test(l));
    assert.ok(misuses.length >= 12, `misuses checked: ${misuses.length}`);
    assert.ok(misuses.some((l) => /misspelt function name/.test(l)));
  });

  it('what types/ reaches: .js specifiers from types/; in the contracts zod, each other and the generated types, relative value imports as .ts after @ts-ignore', () => {
    // The contracts are imported by Deno (needs .ts, refuses .js) and by frontends (refuse .ts, TS5097, but resolve and type it):
    // a relative value import is .ts, on the line after `// @ts-ignore: TS5097 …`; a type-only import needs no ignore.
    const dir = path.join(repoRoot, 'supabase', 'functions', '_shared', 'contracts');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('_test.ts'));
    assert.ok(files.includes('index.ts') && files.length > 1, files.join(', '));
    const wrong: string[] = [];
    for (const f of files) {
      const lines = fs.readFileSync(path.join(dir, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        const m = /^\s*(import|export)\b(\s+type\b)?.*?\bfrom\s*["']([^"']+)["']/.exec(line);
        if (!m) {
          if (/^\s*(import|export)\s+(type\s+)?[{*]|^\s*import\s+\w/.test(line)) wrong.push(`${f}:${i + 1}: an import over several lines`);
          return;
        }
        const [, , typeOnly, spec] = m;
        if (spec === 'zod') return;
        if (!/^\.\/[\w-]+\.ts$/.test(spec) && spec !== '../database.types.ts') wrong.push(`${f}:${i + 1}: imports ${spec}`);
        else if (!typeOnly && !/^\s*\/\/ @ts-ignore: TS5097 /.test(lines[i - 1] ?? '')) wrong.push(`${f}:${i + 1}: ${spec} without the @ts-ignore line`);
      });
    }
    assert.deepEqual(wrong, []);
    for (const f of fs.readdirSync(path.join(repoRoot, 'types')).filter((n) => n.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(repoRoot, 'types', f), 'utf8');
      const relative = [...text.matchAll(/from\s*['"](\.[^'"]+)['"]/g)].map((m) => m[1]);
      assert.ok(relative.every((s) => s.endsWith('.js')), `${f}: ${relative.join(', ')}`);
    }
  });

  it('zod 4 (and supabase-js 2) are declared peer requirements of types/, met by what is installed', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'types', 'package.json'), 'utf8')) as { type: string; peerDependencies: Record<string, string> };
    assert.equal(pkg.type, 'module');
    assert.match(pkg.peerDependencies.zod, /^\^4\./);
    assert.match(pkg.peerDependencies['@supabase/supabase-js'], /^\^2\./);
    const installed = (name: string) => (JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(installed('zod').split('.')[0], '4');
    const [major, minor] = installed('@supabase/supabase-js').split('.').map(Number);
    const [, wantMinor] = pkg.peerDependencies['@supabase/supabase-js'].slice(1).split('.').map(Number);
    assert.ok(major === 2 && minor >= wantMinor);
  });

  it('a Vite app compiles: the template\'s tsconfig, then without allowImportingTsExtensions and with the strictest checks', () => {
    const before = snapshot(vite);
    compile(path.join(vite, 'tsconfig.app.json'));
    compile(path.join(vite, 'tsconfig.app.json'), ['--allowImportingTsExtensions', 'false', ...STRICTEST]);
    assert.deepEqual(snapshot(vite), before, 'compiling wrote nothing into the fixture');
  });

  it('a Next.js app compiles with the template\'s tsconfig', () => {
    const before = snapshot(next);
    // incremental: true would write tsconfig.tsbuildinfo beside it; the check is the same without.
    compile(next, ['--incremental', 'false']);
    assert.deepEqual(snapshot(next), before, 'compiling wrote nothing into the fixture');
  });
});
