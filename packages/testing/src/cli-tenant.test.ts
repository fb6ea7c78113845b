import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decide, PARTNER_KEY, quickstart } from '../../runtime/src/test-support/tenant-calls.js';
import { type CliResult, main } from './cli-main.js';
import type { MockRuntime } from './server.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) },
  };
}

function file(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'esper-mock-tenant-')), name);
  writeFileSync(path, content);
  return path;
}

let started: MockRuntime | undefined;
afterEach(async () => {
  await started?.close();
  started = undefined;
});

function runtimeOf(result: CliResult): MockRuntime {
  if (!('runtime' in result)) throw new Error(`CLI exited with ${result.code}`);
  started = result.runtime;
  return result.runtime;
}

describe('esper-mock --tenant / --quickstart', () => {
  it('reports each invalid spot of a tenant file with its JSON path, and exits 2', async () => {
    const bad = quickstart({
      policies: [{ ...quickstart().policies![0]!, mitigation_id: 'nope' }],
    });
    (bad.api_keys[0] as { secret?: string }).secret = undefined;
    const path = file('tenant.json', JSON.stringify(bad));
    const { err, io } = capture();
    expect(await main(['--port', '0', '--tenant', path], io)).toEqual({ code: 2 });
    expect(err[0]).toContain(`${path}: invalid tenant`);
    expect(err[0]).toContain('$.api_keys[0].secret: expected a non-empty string');
    expect(err[0]).toMatch(/\$\.policies\[0\]\.mitigation_id: .*nope/);
  });

  it('refuses a tenant file that is not JSON', async () => {
    const { err, io } = capture();
    expect(await main(['--tenant', file('t.json', '{')], io)).toEqual({ code: 2 });
    expect(err[0]).toMatch(/t\.json: not valid JSON/);
  });

  it('decides with a tenant file, prints where results are and a generated admin token', async () => {
    const path = file('tenant.json', JSON.stringify(quickstart()));
    const { out, io } = capture();
    const mock = runtimeOf(await main(['--port', '0', '--quiet', '--tenant', path], io));
    const printed = out.join('\n');
    expect(printed).toContain(`key esper_qs_web: secret in ${path} (api_keys)`);
    for (const key of quickstart().api_keys) expect(printed).not.toContain(key.secret);
    // The admin token was generated, so it must be printed with what to do with it.
    expect(printed).toContain(
      `  admin token: ${mock.adminToken} (generated for this run; set --admin-token or ESPER_MOCK_ADMIN_TOKEN to choose one)`,
    );
    expect(printed).toContain(
      `  results page: ${mock.url}/results (the browser asks for a login: any user name, the admin token as password)`,
    );
    expect(printed).toContain(
      `  tenant quickstart results: curl -H 'Authorization: Bearer ${mock.adminToken}' ${mock.url}/tenants/quickstart/results`,
    );
    expect(await decide(mock.url, { query: 'foo=bar' }, PARTNER_KEY)).toMatchObject({
      action: 'block',
      policy_id: 'pol_foo_bar',
    });
  });

  it('--quickstart with --admin-token and --difficulty; the token is not echoed', async () => {
    const { out, io } = capture();
    const token = 'cli-admin-token-0123456789';
    const mock = runtimeOf(
      await main(
        ['--port', '0', '--quiet', '--quickstart', '--admin-token', token, '--difficulty', '3'],
        io,
      ),
    );
    expect(mock.adminToken).toBe(token);
    const printed = out.join('\n');
    expect(printed).not.toContain(token);
    for (const key of quickstart().api_keys) expect(printed).not.toContain(key.secret);
    expect(printed).toContain(
      "key esper_qs_web: secret in QUICKSTART_TENANT (@esper/runtime's src/tenants/quickstart.json)",
    );
    expect(printed).toContain('  admin token: the one given with --admin-token (not printed)');
    // Still a command that works once the token is in the environment.
    expect(printed).toContain(
      `  tenant quickstart results: curl -H "Authorization: Bearer $ESPER_MOCK_ADMIN_TOKEN" ${mock.url}/tenants/quickstart/results`,
    );
    expect(mock.controller.challenge.difficulty).toBe(3);
    expect(mock.controller.tenants.has('quickstart')).toBe(true);
  });

  it('takes tenants from --config, with paths inside the config file', async () => {
    const bad = file(
      'mock.json',
      JSON.stringify({ tenants: [quickstart({ return_origins: ['evil'] })] }),
    );
    const { err, io } = capture();
    expect(await main(['--config', bad], io)).toEqual({ code: 2 });
    expect(err[0]).toContain('$.tenants[0].return_origins[0]');
  });
});
