import { expect, it } from 'vitest';
import type { DecisionCounts } from '../tenants/tenant-state.js';
import { byOperationMode } from './results-page.js';

const none = (): DecisionCounts => ({
  requests: 0,
  decisions: { allow: 0, challenge: 0, block: 0, monitor: 0 },
  policies: {},
  rules: {},
});

it('escapes every id it shows, one row per id and mode', () => {
  const counts = { observe: 1, challenge: 2, block: 3, allow: 4 };
  const html = byOperationMode({
    cloud: { ...none(), policies: { '"><img src=x onerror=alert(1)>': counts } },
    hybrid: { ...none(), rules: { '<b>': counts } },
  });
  expect(html).not.toMatch(/<img|<b>/);
  expect(html).toContain(
    '<td>&#34;&#62;&#60;img src=x onerror=alert(1)&#62;</td><td>cloud</td><td>1</td>',
  );
  expect(html).toContain('<td>&#60;b&#62;</td><td>hybrid</td><td>1</td>');
  expect(byOperationMode({ cloud: none(), hybrid: none() })).toBe('');
});
