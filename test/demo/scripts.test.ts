/**
 * The repository's own scripts and files as a fresh clone uses them: the root scripts build only
 * what is stale (and `install` builds, so example folders work right after it), the esper-mock
 * bin is a committed file pnpm can link before anything is built, and every package ships the
 * Apache-2.0 LICENSE its package.json names.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
const packages = readdirSync(join(ROOT, 'packages')).filter((d) => {
  try {
    return !!json(`packages/${d}/package.json`);
  } catch {
    return false;
  }
});
/** Files git knows (committed, or new and not ignored): what a clone or a pack can see. */
const tracked = new Set(
  execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean),
);

describe('root scripts', () => {
  const scripts: Record<string, string> = json('package.json').scripts;

  it.each(['test', 'demo', 'quickstart'])('`pnpm %s` builds only stale packages', (name) => {
    expect(scripts[name]).toMatch(/^node scripts\/build-if-stale\.mjs && /);
    expect(scripts[name]).not.toMatch(/pnpm (-s )?build/);
  });

  it('`pnpm install` builds what is stale (prepare), so bins and examples work after it', () => {
    expect(scripts.prepare).toBe('node scripts/build-if-stale.mjs');
  });
});

describe('esper-mock bin', () => {
  const manifest = json('packages/testing/package.json');
  const target = String(manifest.bin['esper-mock']).replace(/^\.\//, '');

  it('is a committed file, not build output (pnpm links bins before any build)', () => {
    expect(target.startsWith('dist/')).toBe(false);
    expect(tracked.has(`packages/testing/${target}`)).toBe(true);
    expect(manifest.files).toContain(target.split('/')[0]);
  });

  it('runs the built CLI', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'packages/testing', target), '--help'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^Usage: esper-mock/);
  });
});

describe('LICENSE', () => {
  const license = () => readFileSync(join(ROOT, 'LICENSE'), 'utf8');

  it('the root LICENSE is the Apache License 2.0 text', () => {
    expect(tracked.has('LICENSE')).toBe(true);
    expect(license()).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license()).toContain('END OF TERMS AND CONDITIONS');
  });

  it.each(packages)('packages/%s ships the same LICENSE and says Apache-2.0', (name) => {
    const manifest = json(`packages/${name}/package.json`);
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.files).toContain('LICENSE');
    expect(tracked.has(`packages/${name}/LICENSE`)).toBe(true);
    expect(readFileSync(join(ROOT, 'packages', name, 'LICENSE'), 'utf8')).toBe(license());
  });
});
