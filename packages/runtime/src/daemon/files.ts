/**
 * The three files `esper init` writes and every other command reads: `config.yaml` (origin,
 * tenant, sync interval), `credentials.xml` (the API key; mode 0600) and `runtime.xml` (listen
 * address, enforcement, store, limits). Parsed with `yaml` and `fast-xml-parser`, validated in
 * full; any problem is an `EsperFileError` naming the file, the line and the field.
 */
import { chmodSync, readFileSync } from 'node:fs';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { isMap, isScalar, LineCounter, parseDocument, stringify } from 'yaml';
import { writeFileAtomic } from './atomic.js';
import type { EsperHome } from './home.js';

export class EsperFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${field}: ${problem}`);
    this.name = 'EsperFileError';
  }
}

export interface EsperConfig {
  apiBase: string;
  tenantId: string;
  syncIntervalSeconds: number;
}

export interface EsperCredentials {
  apiKey: string;
  secret: string;
}

export interface RuntimeSettings {
  /** `host:port`. */
  listen: { host: string; port: number };
  /** `live` enforces; `monitor` answers every decision in monitor mode (recorded, never enforced). */
  enforcement: 'live' | 'monitor';
  /** Counters of the policies: this process's memory, or a Redis every daemon shares. */
  store: StoreSettings;
  limits: {
    maxBodyBytes: number;
    spoolMaxEvents: number;
    logMaxBytes: number;
    logFiles: number;
    shutdownTimeoutMs: number;
  };
}

/**
 * `<store>`: `<memory><max_keys>` (this process alone), or `<redis>` with `<url>` or `<url_env>`
 * (the name of an environment variable holding the URL). A URL may carry a password: it is never
 * part of a message, a log line or `esper status`.
 */
export type StoreSettings =
  | { type: 'memory'; maxKeys: number }
  | { type: 'redis'; url: string; urlEnv?: undefined }
  | { type: 'redis'; url?: undefined; urlEnv: { name: string; file: string; line?: number } };

/** `createMemoryStore`'s (and so `createHybrid`'s) default bound. */
export const DEFAULT_STORE = { type: 'memory', maxKeys: 10_000 } as const satisfies StoreSettings;

export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8788 };
export const DEFAULT_SYNC_INTERVAL_SECONDS = 30;
export const DEFAULT_LIMITS: RuntimeSettings['limits'] = {
  maxBodyBytes: 32 * 1024,
  spoolMaxEvents: 100_000,
  logMaxBytes: 10 * 1024 * 1024,
  logFiles: 5,
  shutdownTimeoutMs: 10_000,
};

// ---- writing --------------------------------------------------------------------------------

export function writeConfig(home: EsperHome, c: EsperConfig): void {
  const body = stringify({
    api_base: c.apiBase,
    tenant_id: c.tenantId,
    sync: { interval_seconds: c.syncIntervalSeconds },
  });
  writeFileAtomic(home.config, `# Esper hybrid runtime (written by esper init)\n${body}`, 0o644);
}

const builder = new XMLBuilder({ format: true, indentBy: '  ', suppressEmptyNode: true });
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function writeCredentials(home: EsperHome, c: EsperCredentials): void {
  const xml = builder.build({ credentials: { api_key: { id: c.apiKey, secret: c.secret } } });
  writeFileAtomic(home.credentials, XML_HEAD + xml, 0o600);
  // The replacement is a new file created 0600; set it again so the mode is exact.
  chmodSync(home.credentials, 0o600);
}

export function writeRuntime(home: EsperHome, r: RuntimeSettings): void {
  const xml = builder.build({
    runtime: {
      listen: `${r.listen.host.includes(':') ? `[${r.listen.host}]` : r.listen.host}:${r.listen.port}`,
      enforcement: r.enforcement,
      limits: {
        max_body_bytes: r.limits.maxBodyBytes,
        spool_max_events: r.limits.spoolMaxEvents,
        log_max_bytes: r.limits.logMaxBytes,
        log_files: r.limits.logFiles,
        shutdown_timeout_ms: r.limits.shutdownTimeoutMs,
      },
      // Last: the longest element, below the short ones people edit most.
      store:
        r.store.type === 'memory'
          ? { memory: { max_keys: r.store.maxKeys } }
          : { redis: r.store.url ? { url: r.store.url } : { url_env: r.store.urlEnv?.name } },
    },
  });
  // A Redis URL written here may carry a password: then the file is the owner's alone.
  writeFileAtomic(home.runtime, XML_HEAD + xml, r.store.type === 'redis' ? 0o600 : 0o644);
}

// ---- reading --------------------------------------------------------------------------------

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new EsperFileError(file, undefined, '(file)', 'missing: run esper init first');
    }
    throw new EsperFileError(file, undefined, '(file)', `cannot be read (${code ?? err})`);
  }
}

export function parseApiBase(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an absolute URL';
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return 'expected an https: URL (http: only for loopback)';
  return undefined;
}

export function readConfig(home: EsperHome): EsperConfig {
  const file = home.config;
  const text = readText(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  const first = doc.errors[0];
  if (first) throw new EsperFileError(file, lineAt(first.pos[0]), '(yaml)', first.message);
  const root = doc.contents;
  if (!isMap(root)) throw new EsperFileError(file, 1, '(document)', 'expected a mapping');
  checkKeys(file, root, ['api_base', 'tenant_id', 'sync'], '', lineAt);
  const sync = root.get('sync', true);
  if (sync !== undefined && sync !== null && !(isScalar(sync) && sync.value === null)) {
    if (!isMap(sync))
      throw new EsperFileError(file, keyLine(doc, ['sync'], lineAt), 'sync', 'expected a mapping');
    checkKeys(file, sync, ['interval_seconds'], 'sync.', lineAt);
  }
  const field = (path: string[]) => {
    const node = doc.getIn(path, true);
    const line = lineAt(isScalar(node) ? node.range?.[0] : undefined);
    return { value: isScalar(node) ? node.value : node, line, name: path.join('.') };
  };
  const str = (path: string[]) => {
    const f = field(path);
    if (typeof f.value !== 'string' || f.value === '')
      throw new EsperFileError(
        file,
        f.line ?? keyLine(doc, path, lineAt),
        f.name,
        'expected a non-empty string',
      );
    return { ...f, value: f.value };
  };
  const apiBase = str(['api_base']);
  const urlProblem = parseApiBase(apiBase.value);
  if (urlProblem) throw new EsperFileError(file, apiBase.line, apiBase.name, urlProblem);
  const tenant = str(['tenant_id']);
  const interval = field(['sync', 'interval_seconds']);
  const seconds = interval.value ?? DEFAULT_SYNC_INTERVAL_SECONDS;
  if (!Number.isInteger(seconds) || (seconds as number) < 1 || (seconds as number) > 86_400) {
    throw new EsperFileError(
      file,
      interval.line ?? keyLine(doc, ['sync'], lineAt),
      interval.name,
      `expected an integer from 1 to 86400, got ${JSON.stringify(seconds)}`,
    );
  }
  return { apiBase: apiBase.value, tenantId: tenant.value, syncIntervalSeconds: seconds as number };
}

function checkKeys(
  file: string,
  map: { items: Array<{ key: unknown }> },
  known: string[],
  prefix: string,
  lineAt: (o: number | undefined) => number | undefined,
): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!known.includes(key))
      throw new EsperFileError(file, lineAt(pairOffset(pair)), `${prefix}${key}`, 'unknown field');
  }
}

function pairOffset(pair: { key: unknown }): number | undefined {
  const key = pair.key as { range?: [number, number, number] } | null;
  return key?.range?.[0];
}

/** The line of the deepest key of `path` that exists, for a field that is missing or not a scalar. */
function keyLine(
  doc: ReturnType<typeof parseDocument>,
  path: string[],
  lineAt: (o: number | undefined) => number | undefined,
): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
    if (!isMap(parent)) continue;
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1]);
    if (pair) return lineAt(pairOffset(pair));
  }
  return undefined;
}

// ---- XML ------------------------------------------------------------------------------------

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;
type XmlNode = { [key: string]: unknown; '#text'?: string };

function parseXml(file: string, text: string, root: string): { node: XmlNode; line: LineOf } {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new EsperFileError(file, valid.err.line, '(xml)', valid.err.msg);
  const parser = new XMLParser({
    captureMetaData: true,
    alwaysCreateTextNode: true,
    ignoreDeclaration: true,
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: true,
  });
  const doc = parser.parse(text) as Record<string, unknown>;
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const line: LineOf = (node) => {
    const meta = (node as Record<symbol, { startIndex?: number } | undefined> | undefined)?.[META];
    const index = meta?.startIndex;
    if (index === undefined) return undefined;
    let lo = 0;
    while (lo + 1 < starts.length && (starts[lo + 1] as number) <= index) lo++;
    return lo + 1;
  };
  const node = doc[root];
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    const other = Object.keys(doc)[0];
    throw new EsperFileError(
      file,
      1,
      root,
      `expected the root element <${root}>${other ? `, found <${other}>` : ''}`,
    );
  }
  return { node: node as XmlNode, line };
}

type LineOf = (node: unknown) => number | undefined;

/** A leaf element's text, or an error naming it (`parent` is where a missing one would be). */
function xmlText(
  file: string,
  parent: XmlNode,
  name: string,
  path: string,
  line: LineOf,
  required: boolean,
): { value: string | undefined; line: number | undefined } {
  const node = parent[name];
  if (node === undefined) {
    if (required) throw new EsperFileError(file, line(parent), path, 'missing');
    return { value: undefined, line: line(parent) };
  }
  if (Array.isArray(node))
    throw new EsperFileError(file, line(node[1]), path, 'given more than once');
  const n = node as XmlNode;
  const extra = Object.keys(n).find((k) => k !== '#text');
  if (extra) throw new EsperFileError(file, line(n), path, `expected text, found <${extra}>`);
  return { value: n['#text'] ?? '', line: line(n) };
}

function checkKnown(file: string, node: XmlNode, known: string[], prefix: string, line: LineOf) {
  for (const key of Object.keys(node)) {
    if (key === '#text') {
      if ((node['#text'] ?? '').trim() !== '')
        throw new EsperFileError(file, line(node), prefix || '(root)', 'unexpected text');
      continue;
    }
    if (!known.includes(key)) {
      const child = node[key];
      throw new EsperFileError(
        file,
        line(Array.isArray(child) ? child[0] : child) ?? line(node),
        `${prefix}${key}`,
        'unknown field',
      );
    }
  }
}

export function readCredentials(home: EsperHome): EsperCredentials {
  const file = home.credentials;
  const { node, line } = parseXml(file, readText(file), 'credentials');
  checkKnown(file, node, ['api_key'], '', line);
  const key = node.api_key;
  if (key === undefined || Array.isArray(key) || typeof key !== 'object')
    throw new EsperFileError(file, line(node), 'api_key', 'expected exactly one <api_key>');
  const k = key as XmlNode;
  checkKnown(file, k, ['id', 'secret'], 'api_key.', line);
  const id = xmlText(file, k, 'id', 'api_key.id', line, true);
  const secret = xmlText(file, k, 'secret', 'api_key.secret', line, true);
  if (!id.value)
    throw new EsperFileError(file, id.line, 'api_key.id', 'expected a non-empty key id');
  // The secret itself is never part of a message.
  if (!secret.value)
    throw new EsperFileError(file, secret.line, 'api_key.secret', 'expected a non-empty secret');
  return { apiKey: id.value, secret: secret.value };
}

function intField(
  file: string,
  f: { value: string | undefined; line: number | undefined },
  path: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (f.value === undefined) return fallback;
  const n = /^\d+$/.test(f.value) ? Number(f.value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new EsperFileError(
      file,
      f.line,
      path,
      `expected an integer from ${min} to ${max}, got "${f.value}"`,
    );
  return n;
}

export function parseListen(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65_535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

export function readRuntime(home: EsperHome): RuntimeSettings {
  const file = home.runtime;
  const { node, line } = parseXml(file, readText(file), 'runtime');
  checkKnown(file, node, ['listen', 'enforcement', 'store', 'limits'], '', line);
  const listenText = xmlText(file, node, 'listen', 'listen', line, true);
  const listen = parseListen(listenText.value ?? '');
  if (!listen)
    throw new EsperFileError(
      file,
      listenText.line,
      'listen',
      `expected host:port, got "${listenText.value}"`,
    );
  const enforcement = xmlText(file, node, 'enforcement', 'enforcement', line, false);
  const mode = enforcement.value ?? 'live';
  if (mode !== 'live' && mode !== 'monitor')
    throw new EsperFileError(
      file,
      enforcement.line,
      'enforcement',
      `expected live or monitor, got "${mode}"`,
    );
  const store = readStore(file, node, line);
  const limits = readLimits(file, node, line);
  return { listen, enforcement: mode, store, limits };
}

/** `<store>`: `memory` (text, as esper 0.1 wrote it), `<memory>` or `<redis>`. */
function readStore(file: string, node: XmlNode, line: LineOf): StoreSettings {
  const raw = node.store;
  if (raw === undefined) return { ...DEFAULT_STORE };
  if (Array.isArray(raw))
    throw new EsperFileError(file, line(raw[1]), 'store', 'given more than once');
  const s = raw as XmlNode;
  const kinds = Object.keys(s).filter((k) => k !== '#text');
  const text = (s['#text'] ?? '').trim();
  if (kinds.length === 0) {
    if (text === 'memory') return { ...DEFAULT_STORE };
    throw new EsperFileError(
      file,
      line(s),
      'store',
      `expected <memory> or <redis>, got "${text.slice(0, 40)}"`,
    );
  }
  checkKnown(file, s, ['memory', 'redis'], 'store.', line);
  if (kinds.length > 1)
    throw new EsperFileError(file, line(s), 'store', 'expected one of <memory> and <redis>');
  const kind = kinds[0] as 'memory' | 'redis';
  const inner = s[kind];
  if (Array.isArray(inner))
    throw new EsperFileError(file, line(inner[1]), `store.${kind}`, 'given more than once');
  // `<memory/>` parses as a string: no fields, every default.
  const fields: XmlNode = typeof inner === 'object' && inner !== null ? (inner as XmlNode) : {};
  if (kind === 'memory') {
    checkKnown(file, fields, ['max_keys'], 'store.memory.', line);
    const f = xmlText(file, fields, 'max_keys', 'store.memory.max_keys', line, false);
    const max = 100_000_000;
    const maxKeys = intField(file, f, 'store.memory.max_keys', DEFAULT_STORE.maxKeys, 1, max);
    return { type: 'memory', maxKeys };
  }
  checkKnown(file, fields, ['url', 'url_env'], 'store.redis.', line);
  const url = xmlText(file, fields, 'url', 'store.redis.url', line, false);
  const env = xmlText(file, fields, 'url_env', 'store.redis.url_env', line, false);
  if ((url.value === undefined) === (env.value === undefined))
    throw new EsperFileError(
      file,
      line(inner) ?? line(s),
      'store.redis',
      'expected exactly one of <url> and <url_env>',
    );
  if (url.value !== undefined) {
    const problem = redisUrlProblem(url.value);
    if (problem) throw new EsperFileError(file, url.line, 'store.redis.url', problem);
    return { type: 'redis', url: url.value };
  }
  const name = env.value ?? '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new EsperFileError(
      file,
      env.line,
      'store.redis.url_env',
      `expected an environment variable name, got "${name.slice(0, 40)}"`,
    );
  return { type: 'redis', urlEnv: { name, file, line: env.line } };
}

/** Why `value` is not a Redis URL; never quotes it (it may carry a password). */
function redisUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected a redis:// or rediss:// URL (the value is not printed: it may hold a password)';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return `expected a redis:// or rediss:// URL, got a ${url.protocol} URL`;
  if (!url.hostname) return 'expected a redis:// URL with a host';
  return undefined;
}

/**
 * The Redis URL of a `<redis>` store: `<url>`, or the variable `<url_env>` names, read now
 * (`esper run`), so that `esper sync` and `esper status` do not need it.
 */
export function redisUrlOf(
  store: Extract<StoreSettings, { type: 'redis' }>,
  env: Record<string, string | undefined> = process.env,
): string {
  if (store.url !== undefined) return store.url;
  const { name, file, line } = store.urlEnv;
  const value = env[name];
  if (!value) throw new EsperFileError(file, line, 'store.redis.url_env', `$${name} is not set`);
  const problem = redisUrlProblem(value);
  if (problem) throw new EsperFileError(file, line, 'store.redis.url_env', `$${name}: ${problem}`);
  return value;
}

/** The URL without its user name and password: what logs and `esper status` show. */
export function redactRedisUrl(value: string): string {
  const url = new URL(value);
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

function readLimits(file: string, node: XmlNode, line: LineOf): RuntimeSettings['limits'] {
  const raw = node.limits;
  if (raw === undefined) return { ...DEFAULT_LIMITS };
  if (Array.isArray(raw))
    throw new EsperFileError(file, line(raw[1]), 'limits', 'given more than once');
  const l = raw as XmlNode;
  const names = [
    'max_body_bytes',
    'spool_max_events',
    'log_max_bytes',
    'log_files',
    'shutdown_timeout_ms',
  ];
  checkKnown(file, l, names, 'limits.', line);
  const get = (name: string, fallback: number, min: number, max: number) =>
    intField(
      file,
      xmlText(file, l, name, `limits.${name}`, line, false),
      `limits.${name}`,
      fallback,
      min,
      max,
    );
  const d = DEFAULT_LIMITS;
  return {
    maxBodyBytes: get('max_body_bytes', d.maxBodyBytes, 1024, 16 * 1024 * 1024),
    spoolMaxEvents: get('spool_max_events', d.spoolMaxEvents, 1, 10_000_000),
    logMaxBytes: get('log_max_bytes', d.logMaxBytes, 1024, 1024 * 1024 * 1024),
    logFiles: get('log_files', d.logFiles, 1, 100),
    shutdownTimeoutMs: get('shutdown_timeout_ms', d.shutdownTimeoutMs, 0, 600_000),
  };
}

/** All three files, validated; the first problem throws. */
export function readSettings(home: EsperHome) {
  return {
    config: readConfig(home),
    credentials: readCredentials(home),
    runtime: readRuntime(home),
  };
}
