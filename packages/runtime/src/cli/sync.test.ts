/** `esper sync` against a real origin (this package's runtime on 127.0.0.1). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeServer, startRuntime } from '../server/start.js';
import { QUICKSTART_TENANT } from '../tenants/quickstart.js';
import { ADMIN_TOKEN, admin, WEB_KEY } from '../test-support/tenant-calls.js';
import { esper, tempHome } from './test-support/esper-cli.js';

let origin: RuntimeServer;
beforeAll(async () => {
  origin = await startRuntime({ tenants: [QUICKSTART_TENANT], adminToken: ADMIN_TOKEN });
});
afterAll(() => origin.close());

async function home(secret = WEB_KEY.secret, apiBase = origin.url): Promise<string> {
  const dir = tempHome();
  const flags = ['--api-base', apiBase, '--api-key', WEB_KEY.apiKey, '--tenant-id', 'quickstart'];
  const r = await esper(['init', ...flags, '--api-secret', secret], { ESPER_HOME: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const rule = {
  rule_id: 'r_cli_sync',
  name: 'Block /cli-sync',
  priority: 10,
  expression: { FieldCmp: { field_name: 'request_path', operator: 'Eq', value: '/cli-sync' } },
  outcome: 'Block',
};

describe('esper sync', () => {
  it('prints what came per kind, then 304 while nothing changed, then the changed ids', async () => {
    const dir = await home();
    const first = await esper(['sync', 'policies'], { ESPER_HOME: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/synced snapshot \S+ \(was none\)/);
    expect(first.stdout).toContain(
      'policies: +pol_login_burst +pol_foo_bar +pol_traffic_share (3 now)',
    );
    expect(first.stdout).toMatch(
      /also changed \(the snapshot is synced whole\): actions, entities, mitigations/,
    );
    const cached = JSON.parse(readFileSync(join(dir, 'cache', 'snapshot.json'), 'utf8'));
    expect(cached.tenant_id).toBe('quickstart');

    const again = await esper(['sync', 'policies'], { ESPER_HOME: dir });
    expect(again.stdout).toMatch(/is current \(304 Not Modified\)/);
    expect(again.stdout).toContain('policies: unchanged (3)');

    const added = await admin(origin.url, '/tenants/quickstart/rules', {
      method: 'POST',
      body: JSON.stringify(rule),
    });
    expect(added.status).toBe(201);
    try {
      const changed = await esper(['sync', 'rules', 'policies'], { ESPER_HOME: dir });
      expect(changed.stdout).toMatch(/synced snapshot \S+ \(was \S+\)/);
      expect(changed.stdout).toContain('rules: +r_cli_sync (1 now)');
      expect(changed.stdout).toContain('policies: unchanged (3)');
      await admin(origin.url, '/tenants/quickstart/rules/r_cli_sync', {
        method: 'PATCH',
        body: JSON.stringify({ outcome: 'Challenge' }),
      });
      expect((await esper(['sync', 'rules'], { ESPER_HOME: dir })).stdout).toContain(
        'rules: ~r_cli_sync (1 now)',
      );
    } finally {
      await admin(origin.url, '/tenants/quickstart/rules/r_cli_sync', { method: 'DELETE' });
    }
    expect((await esper(['sync', 'rules'], { ESPER_HOME: dir })).stdout).toContain(
      'rules: -r_cli_sync (0 now)',
    );
  });

  it.each([
    ['not JSON any more', (t: string) => t.slice(0, 200), /snapshot\.json:\d+: \(json\)/],
    [
      'a policy hand-edited',
      (t: string) => t.replace('"pol_foo_bar"', '42'),
      /snapshot\.json:\d+: \$\.config\.policies\[1\]\.policy_id/,
    ],
  ])(
    'refuses a cache %s, names file, line and field, and syncs it again',
    async (_what, edit, expected) => {
      const dir = await home();
      expect((await esper(['sync'], { ESPER_HOME: dir })).code).toBe(0);
      const file = join(dir, 'cache', 'snapshot.json');
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
      const status = await esper(['status'], { ESPER_HOME: dir });
      expect(status.stdout).toMatch(expected);
      const r = await esper(['sync'], { ESPER_HOME: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/refused the cache/);
      expect(r.stderr).toMatch(expected);
      expect(r.stdout).toMatch(/synced snapshot/);
      expect(JSON.parse(readFileSync(file, 'utf8')).config.policies[1].policy_id).toBe(
        'pol_foo_bar',
      );
    },
  );

  it('exits 5 when origin refuses the key or cannot be reached, and 2 on an unknown kind', async () => {
    const wrong = await esper(['sync'], { ESPER_HOME: await home('not-the-secret') });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/HTTP 401 bad_signature/);
    const down = await esper(['sync'], {
      ESPER_HOME: await home(WEB_KEY.secret, 'http://127.0.0.1:9'),
    });
    expect(down.code).toBe(5);
    expect((await esper(['sync', 'widgets'], { ESPER_HOME: await home() })).code).toBe(2);
  });
});
