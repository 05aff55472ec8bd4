/**
 * `npm run lock:complete`: the npm registry reachable from our machines does not serve every
 * platform's binary package (for example @deno/darwin-arm64 or @supabase/cli-windows-x64), so
 * `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lock file.
 * This adds an entry (version, os, cpu, libc, optional) for each missing optional platform
 * package, which npm ci skips on other platforms. Run it after `npm install` changes the lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../lib/stack-config.ts';

interface LockEntry { version?: string; optional?: boolean; os?: string[]; cpu?: string[]; libc?: string[]; optionalDependencies?: Record<string, string> }

const PLATFORM = /[-/](darwin|linux|win32|windows)-(x64|arm64|ia32|arm|ppc64)(?:-(glibc|musl))?$/;

/** Missing optional-dependency entries of a lock file's packages, as [path, entry]. */
export function missingPlatformEntries(packages: Record<string, LockEntry>): [string, LockEntry][] {
  const missing: [string, LockEntry][] = [];
  for (const entry of Object.values(packages)) {
    for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const key = `node_modules/${dep}`;
      if (packages[key] || missing.some(([k]) => k === key)) continue;
      const m = PLATFORM.exec(dep);
      if (!m) throw new Error(`${dep}: not a platform package; install it with npm install`);
      missing.push([key, { version, optional: true, os: [m[1] === 'windows' ? 'win32' : m[1]], cpu: [m[2]], ...(m[3] ? { libc: [m[3]] } : {}) }]);
    }
  }
  return missing;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = path.join(repoRoot, 'package-lock.json');
  const lock = JSON.parse(fs.readFileSync(file, 'utf8')) as { packages: Record<string, LockEntry> };
  const missing = missingPlatformEntries(lock.packages);
  for (const [key, entry] of missing) lock.packages[key] = entry;
  const { '': root, ...rest } = lock.packages;
  lock.packages = { '': root, ...Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))) };
  fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(missing.length ? `added ${missing.map(([k, e]) => `${k.slice('node_modules/'.length)}@${e.version}`).join(', ')}` : 'package-lock.json is complete');
}
