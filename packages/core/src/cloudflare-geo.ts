import type { Geo } from './context.js';

const STRINGS: Array<[from: string, to: string]> = [
  ['country', 'country'],
  ['city', 'city'],
  ['latitude', 'latitude'],
  ['longitude', 'longitude'],
  ['continent', 'continent'],
  ['postalCode', 'postal_code'],
  ['timezone', 'timezone'],
  ['colo', 'colo'],
  ['asOrganization', 'as_organization'],
  ['tlsVersion', 'tls_version'],
  ['httpProtocol', 'http_protocol'],
];

/**
 * Maps `request.cf` to the wire's `geo`. The object comes from Cloudflare, but every field is
 * optional (absent in local dev, on some plans, or for internal requests), so each is checked.
 */
export function cloudflareGeo(cf: unknown): Geo | undefined {
  if (typeof cf !== 'object' || cf === null) return undefined;
  const o = cf as Record<string, unknown>;
  const geo: Geo = {};
  for (const [from, to] of STRINGS) {
    const v = o[from];
    if (typeof v === 'string' && v !== '') geo[to] = v;
  }
  // The wire's region is the short code (`BE`), as in the protocol's example.
  const region = o.regionCode || o.region;
  if (typeof region === 'string') geo.region = region;
  if (Number.isInteger(o.asn) && (o.asn as number) >= 0) geo.asn = o.asn as number;
  const bot = o.botManagement as Record<string, unknown> | undefined;
  if (typeof bot === 'object' && bot !== null) {
    if (typeof bot.score === 'number') geo.bot_score = bot.score;
    if (typeof bot.verifiedBot === 'boolean') geo.verified_bot = bot.verifiedBot;
  }
  return Object.keys(geo).length > 0 ? geo : undefined;
}
