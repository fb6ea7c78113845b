/** `esper init` and the files it writes, through the real CLI in its own process. */
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { esper, esperBundle, tempHome, until } from './test-support/esper-cli.js';

const SECRET = 'init-test-secret-do-not-print-0123456789';
const FLAGS = ['--api-base', 'http://127.0.0.1:9', '--api-key', 'key_1', '--tenant-id', 't1'];

async function initialised(extra: string[] = []) {
  const home = tempHome();
  const r = await esper(['init', ...FLAGS, ...extra], {
    ESPER_HOME: home,
    ESPER_API_SECRET: SECRET,
  });
  expect(r.code, r.stderr).toBe(0);
  return { home, r };
}

describe('esper init', () => {
  it('writes the three files, credentials.xml 0600, and the three directories; never the secret', async () => {
    const { home, r } = await initialised([
      '--listen',
      '127.0.0.1:9999',
      '--enforcement',
      'monitor',
    ]);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(parse(readFileSync(join(home, 'config.yaml'), 'utf8'))).toEqual({
      api_base: 'http://127.0.0.1:9',
      tenant_id: 't1',
      sync: { interval_seconds: 30 },
    });
    const credentials = readFileSync(join(home, 'credentials.xml'), 'utf8');
    expect(XMLValidator.validate(credentials)).toBe(true);
    expect(credentials).toContain('<id>key_1</id>');
    expect(credentials).toContain(`<secret>${SECRET}</secret>`);
    expect(statSync(join(home, 'credentials.xml')).mode & 0o777).toBe(0o600);
    const runtime = readFileSync(join(home, 'runtime.xml'), 'utf8');
    expect(runtime).toContain('<listen>127.0.0.1:9999</listen>');
    expect(runtime).toContain('<enforcement>monitor</enforcement>');
    for (const dir of ['cache', 'logs', 'data'])
      expect(statSync(join(home, dir)).isDirectory()).toBe(true);
    // What init wrote, status reads back.
    expect((await esper(['status'], { ESPER_HOME: home })).code).toBe(0);
  });

  it('takes the secret from --api-secret too, and refuses without one (no TTY) with exit 2', async () => {
    const home = tempHome();
    const flag = await esper(['init', ...FLAGS, '--api-secret', SECRET], { ESPER_HOME: home });
    expect(flag.code).toBe(0);
    expect(flag.stdout).not.toContain(SECRET);
    const none = await esper(['init', ...FLAGS], { ESPER_HOME: tempHome() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/secret is required/);
  });

  it('refuses to overwrite without --force (3), and bad flags with 2', async () => {
    const { home } = await initialised();
    const again = await esper(['init', ...FLAGS], { ESPER_HOME: home, ESPER_API_SECRET: SECRET });
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already exist; --force/);
    const forced = await esper(['init', ...FLAGS, '--force'], {
      ESPER_HOME: home,
      ESPER_API_SECRET: 'x',
    });
    expect(forced.code).toBe(0);
    const bad = await esper(
      ['init', '--api-base', 'http://example.com', '--api-key', 'k', '--tenant-id', 't'],
      {
        ESPER_HOME: tempHome(),
        ESPER_API_SECRET: 'x',
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--api-base: expected an https: URL/);
    expect((await esper(['init', '--nope'], { ESPER_HOME: tempHome() })).code).toBe(2);
  });
});

describe('the secret prompt', () => {
  it('asks on a terminal without echoing what is typed', async () => {
    const home = tempHome();
    const bundle = await esperBundle();
    const command = [process.execPath, bundle, 'init', ...FLAGS].map((a) => `'${a}'`).join(' ');
    // `script` gives the CLI a pseudo-terminal as stdin, as a user's shell would.
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, ESPER_HOME: home, ESPER_API_SECRET: undefined },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    await until(() => out.includes('API key secret (not echoed): '), 10_000, 'the prompt');
    child.stdin.write(`${SECRET}\r`);
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).not.toContain(SECRET);
    expect(readFileSync(join(home, 'credentials.xml'), 'utf8')).toContain(
      `<secret>${SECRET}</secret>`,
    );
  });
});

describe('hand-edited files are refused with file, line and field (exit 3)', () => {
  const cases: Array<[string, string, (text: string) => string, RegExp]> = [
    [
      'config.yaml',
      'an https URL turned into ftp',
      (t) => t.replace('http://127.0.0.1:9', 'ftp://x'),
      /config\.yaml:2: api_base: expected an https: URL/,
    ],
    [
      'config.yaml',
      'a broken YAML indent',
      (t) => t.replace('  interval_seconds', 'interval_seconds:\n   - x\n  y'),
      /config\.yaml:\d+: \(yaml\)/,
    ],
    [
      'config.yaml',
      'a string interval',
      (t) => t.replace('30', 'soon'),
      /config\.yaml:5: sync\.interval_seconds: expected an integer/,
    ],
    [
      'config.yaml',
      'an unknown field',
      (t) => `${t}tenant: x\n`,
      /config\.yaml:6: tenant: unknown field/,
    ],
    [
      'config.yaml',
      'a misspelt sync field',
      (t) => t.replace('interval_seconds', 'interval'),
      /config\.yaml:5: sync\.interval: unknown field/,
    ],
    [
      'runtime.xml',
      'a port out of range',
      (t) => t.replace(/<listen>[^<]*</, '<listen>127.0.0.1:99999<'),
      /runtime\.xml:3: listen: expected host:port/,
    ],
    [
      'runtime.xml',
      'a limit that is not a number',
      (t) => t.replace(/<spool_max_events>\d+/, '<spool_max_events>lots'),
      /runtime\.xml:7: limits\.spool_max_events: expected an integer/,
    ],
    [
      'runtime.xml',
      'an unclosed tag',
      (t) => t.replace('</store>', ''),
      /runtime\.xml:\d+: \(xml\)/,
    ],
    [
      'runtime.xml',
      'an unknown enforcement',
      (t) => t.replace('>live<', '>strict<'),
      /runtime\.xml:4: enforcement: expected live or monitor/,
    ],
    [
      'credentials.xml',
      'an empty secret',
      (t) => t.replace(/<secret>[^<]*<\/secret>/, '<secret></secret>'),
      /credentials\.xml:5: api_key\.secret: expected a non-empty secret/,
    ],
    [
      'credentials.xml',
      'a missing id',
      (t) => t.replace(/\s*<id>[^<]*<\/id>/, ''),
      /credentials\.xml:3: api_key\.id: missing/,
    ],
  ];
  it.each(cases)('%s: %s', async (file, _what, edit, expected) => {
    const { home } = await initialised();
    const path = join(home, file);
    writeFileSync(path, edit(readFileSync(path, 'utf8')));
    const r = await esper(['sync'], { ESPER_HOME: home });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).toContain(path);
    expect(r.stderr).not.toContain(SECRET);
  });
});

describe('esper --help', () => {
  it('lists the commands and exit codes; every command has --help', async () => {
    const top = await esper(['--help']);
    expect(top.code).toBe(0);
    for (const word of ['init', 'sync', 'run', 'capture', 'status', 'Exit codes'])
      expect(top.stdout).toContain(word);
    for (const command of ['init', 'sync', 'run', 'status', 'origin']) {
      const r = await esper([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: esper ${command}`));
    }
    const unknown = await esper(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
  });
});
