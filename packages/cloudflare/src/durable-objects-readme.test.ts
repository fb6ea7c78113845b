/**
 * The README's "Durable Objects" section, run as written: its Worker snippet bundled twice (two
 * Workers, two isolates) and its wrangler.toml bindings and migration turned into miniflare's
 * options, against a small origin serving a tenant with "more than 2 in 1 minute" per client
 * IP. The counts add up across the two Workers only if the store is the shared namespace.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';

const KEY = { apiKey: 'do_readme_key', secret: 'do_readme_secret_0123456789abcdef' };
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('\n## Durable Objects'));
const snippet = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
const toml = /```toml\n([\s\S]*?)```/.exec(section)![1]!;

/** The two tables the README shows, read from its TOML (a string or string-list value each). */
function tables(name: string): Array<Record<string, string | string[]>> {
  return toml
    .split(`[[${name}]]`)
    .slice(1)
    .map((block) => {
      const out: Record<string, string | string[]> = {};
      for (const [, k, v] of block.split('\n[')[0]!.matchAll(/^(\w+) = (.+)$/gm)) {
        out[k!] = JSON.parse(v!);
      }
      return out;
    });
}

const snapshot = {
  version: 'do-readme-v1',
  tenant_id: 'do_readme',
  generated_at: '2026-11-30T00:00:00.000Z',
  config: {
    tenant_id: 'do_readme',
    mitigations: [{ mitigation_id: 'mit_block', name: 'Block', mode: 'Block' }],
    policies: [
      {
        policy_id: 'pol_count',
        name: 'more than 2 in 1 minute',
        enabled: true,
        mitigation_id: 'mit_block',
        entity_definition_id: 'sys_client_ip',
        window: { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 2 } },
      },
    ],
  },
  source: { source_id: null, trust_level: null },
};

let origin: Server;
let mf: Miniflare;

beforeAll(async () => {
  origin = createServer((req, res) => {
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url?.endsWith('/snapshot') ? snapshot : {}));
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const apiBase = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;

  const out = await build({
    stdin: {
      contents: snippet,
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@esper/source', 'workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  });
  const [binding] = tables('durable_objects.bindings');
  const [migration] = tables('migrations');
  expect(migration!.new_sqlite_classes).toEqual([binding!.class_name]);
  const worker = (name: string, own: boolean) => ({
    name,
    modules: true,
    script: out.outputFiles[0]!.text,
    compatibilityDate: '2025-07-01',
    // The snippet reads only the key; the origin is this test's (ESPER_API_BASE, as deployed).
    bindings: { ESPER_API_KEY: KEY.apiKey, ESPER_API_SECRET: KEY.secret, ESPER_API_BASE: apiBase },
    durableObjects: {
      [binding!.name as string]: {
        className: binding!.class_name as string,
        useSQLite: true,
        ...(own ? {} : { scriptName: 'a' }),
      },
    },
  });
  mf = new Miniflare({ workers: [worker('a', true), worker('b', false)] });
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await new Promise((r) => origin?.close(r));
});

it('the README Worker counts in the shared Durable Objects', async () => {
  const [a, b] = [await mf.getWorker('a'), await mf.getWorker('b')];
  const ask = async (worker: typeof a, ip: string) => {
    const res = await worker.fetch('https://app.example/', {
      headers: { 'cf-connecting-ip': ip },
    });
    return { status: res.status, text: await res.text() };
  };
  // Each isolate's first requests fail open until its first sync lands (another IP).
  for (const w of [a, b]) {
    const deadline = Date.now() + 10_000;
    while (
      (await w.fetch('https://app.example/', { headers: { 'cf-connecting-ip': '10.9.9.9' } }))
        .status !== 403
    ) {
      if (Date.now() > deadline) throw new Error('the snippet never decided locally');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Alternating Workers, one IP: allowed twice, then blocked. Counted per isolate it would be
  // allowed four times.
  expect(await ask(a, '10.0.0.1')).toEqual({ status: 200, text: 'Hello! Esper said: allow' });
  expect(await ask(b, '10.0.0.1')).toEqual({ status: 200, text: 'Hello! Esper said: allow' });
  expect((await ask(a, '10.0.0.1')).status).toBe(403);
  expect((await ask(b, '10.0.0.1')).status).toBe(403);
});
