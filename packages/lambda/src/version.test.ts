import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { SDK_NAME, SDK_VERSION } from './version.js';

it('reports the name and version of package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  expect([SDK_NAME, SDK_VERSION]).toEqual([pkg.name, pkg.version]);
});
