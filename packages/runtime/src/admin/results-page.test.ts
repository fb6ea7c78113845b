import { expect, it } from 'vitest';
import type { DecisionCounts } from '../tenants/tenant-state.js';
import { resultsPage } from './results-page.js';

const none = (): DecisionCounts => ({
  requests: 0,
  decisions: { allow: 0, challenge: 0, block: 0, monitor: 0 },
  policies: {},
  rules: {},
});

it('escapes every id it shows', () => {
  const counts = { observe: 1, challenge: 2, block: 3, allow: 4 };
  const html = resultsPage([
    {
      tenant_id: '<script>alert(1)</script>',
      requests: 1,
      decisions: { allow: 1, challenge: 0, block: 0, monitor: 0 },
      solved: 0,
      cleared: 0,
      policies: { '"><img src=x onerror=alert(1)>': counts },
      rules: { "r_'&": counts },
      by_operation_mode: { cloud: none(), hybrid: { ...none(), rules: { '<b>': counts } } },
    },
  ]);
  expect(html).not.toMatch(/<script>|<img/);
  expect(html).toContain('Tenant &#60;script&#62;alert(1)&#60;/script&#62;');
  expect(html).toContain('<td>&#34;&#62;&#60;img src=x onerror=alert(1)&#62;</td><td>1</td>');
  expect(html).toContain('<td>r_&#39;&#38;</td>');
  expect(html).toContain('<td>&#60;b&#62;</td><td>hybrid</td><td>1</td>');
});
