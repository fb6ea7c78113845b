/**
 * The request headers the application behind `esper capture run` gets: the client's own
 * `x-esper-*` removed (no client can claim it was allowed), the decision's added, and the
 * forwarding headers a reverse proxy owes it. A client's `X-Forwarded-*` and `Forwarded` are
 * believed (and `X-Forwarded-For` appended to) only when the peer is a trusted proxy
 * (`--trusted-proxies`); from anyone else they are replaced, so the application never reads an
 * address or scheme the client made up.
 */
import type { IncomingMessage } from 'node:http';
import { cidrContains, parseCidr, parseIp } from '@esper/core';
import { isEsperHeader } from '@esper/core/adapter';

const FORWARDING = ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'];
/** Meant for this hop only (RFC 9110 7.6.1); `upgrade` and `connection` stay on a handshake. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];
const DROPPED_FROM_UNTRUSTED = [...FORWARDING, 'x-forwarded-port', 'x-real-ip'];

export type TrustCheck = (address: string | undefined) => boolean;

/** `--trusted-proxies` as a predicate; throws naming the entry that is not an address or CIDR. */
export function trustedPeers(entries: readonly string[]): TrustCheck {
  const cidrs: ReturnType<typeof parseCidr>[] = entries.map((entry, i) => {
    try {
      return parseCidr(entry);
    } catch (err) {
      throw new Error(`--trusted-proxies[${i}] "${entry}": ${(err as Error).message}`);
    }
  });
  if (cidrs.length === 0) return () => false;
  return (address) => {
    const ip = parseIp(address);
    return ip !== undefined && cidrs.some((c) => cidrContains(c, ip));
  };
}

/** The peer address as the application should see it: IPv4-mapped IPv6 as plain IPv4. */
function peerOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Headers that name this hop only: the standard ones and those `Connection` lists. */
function dropHopByHop(headers: IncomingMessage['headers']): void {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const name of [...listed, ...HOP_BY_HOP]) delete headers[name];
}

/**
 * Rewrites `req.headers` in place (http-proxy-3 copies them into the upstream request).
 * `upgrade`: a WebSocket handshake, whose `Connection: upgrade` and `Upgrade` must go on.
 */
export function forwardHeaders(
  req: IncomingMessage,
  decisionHeaders: Headers | undefined,
  trusted: TrustCheck,
  upgrade = false,
): void {
  const headers = req.headers;
  for (const name of Object.keys(headers)) if (isEsperHeader(name)) delete headers[name];
  if (!upgrade) dropHopByHop(headers);
  const peer = peerOf(req);
  const fromProxy = trusted(peer);
  if (!fromProxy) for (const name of DROPPED_FROM_UNTRUSTED) delete headers[name];
  const chain = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = chain ? `${chain}, ${peer}` : peer;
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  headers['x-forwarded-proto'] ??= encrypted ? 'https' : 'http';
  if (headers.host !== undefined) headers['x-forwarded-host'] ??= headers.host;
  if (decisionHeaders) for (const [name, value] of decisionHeaders) headers[name] = value;
}
