/** IPv4/IPv6 parsing and CIDR matching, without platform APIs. */

export interface ParsedIp {
  version: 4 | 6;
  /** 4 or 16 bytes. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is reported as IPv4. */
  bytes: Uint8Array;
}

/**
 * Dotted quad: four 1-3 digit decimal parts. Parsed by hand, not by a RegExp, because it runs
 * on every request (client IP) and this is several times faster.
 */
function parseIpv4(s: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c >= 48 && c <= 57) {
      // Leading zeros are ambiguous (octal in some parsers), so they are refused.
      if (digits === 1 && value === 0) return undefined;
      if (++digits > 3) return undefined;
      value = value * 10 + c - 48;
    } else if (c === 46 && digits > 0 && part < 4 && value <= 255) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  return part === 4 ? out : undefined;
}

/**
 * The WHATWG URL parser validates IPv6 and writes it in RFC 5952 form (lower case, the first
 * longest zero run compressed, an embedded IPv4 part in hex): one parser for every runtime,
 * instead of a hand-written one here.
 */
function canonicalIpv6(s: string): string | undefined {
  if (!/^[0-9A-Fa-f:.]{2,45}$/.test(s)) return undefined;
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * A zone id names an interface of the host that wrote the address (`fe80::1%eth0`, as Node
 * reports a link-local peer). It is checked, then dropped: it says nothing about who the client
 * is, and an unchecked one would let any text ride along behind a valid address.
 */
const ZONE_ID = /^[0-9A-Za-z_.-]{1,32}$/;

/** The 16 bytes of an IPv6 address, or undefined. A zone id is allowed and dropped. */
function parseIpv6(input: string): Uint8Array | undefined {
  const zone = input.indexOf('%');
  if (zone !== -1 && !ZONE_ID.test(input.slice(zone + 1))) return undefined;
  const text = canonicalIpv6(zone === -1 ? input : input.slice(0, zone));
  if (text === undefined) return undefined;
  // The canonical form has hex words only and at most one "::".
  const [head = '', tail] = text.split('::');
  const words = head ? head.split(':') : [];
  if (tail !== undefined) {
    const rest = tail ? tail.split(':') : [];
    while (words.length + rest.length < 8) words.push('0');
    words.push(...rest);
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    const n = Number.parseInt(w, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** `::ffff:a.b.c.d`: an IPv4 address written as IPv6 (dual-stack sockets report peers so). */
function isMapped(v6: Uint8Array): boolean {
  return v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
}

/** Strips `[v6]:port`, `[v6]` and `v4:port` forms that proxies put in forwarding headers. */
function stripPort(s: string): string {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    return end === -1 ? s : s.slice(1, end);
  }
  const colon = s.indexOf(':');
  if (colon !== -1 && colon === s.lastIndexOf(':') && /^[\d.]+:\d+$/.test(s))
    return s.slice(0, colon);
  return s;
}

export function parseIp(input: string | undefined | null): ParsedIp | undefined {
  if (!input) return undefined;
  const s = stripPort(input.trim());
  if (s.length === 0 || s.length > 64) return undefined;
  const v4 = parseIpv4(s);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIpv6(s);
  if (!v6) return undefined;
  return isMapped(v6) ? { version: 4, bytes: v6.slice(12) } : { version: 6, bytes: v6 };
}

/** Canonical text form: dotted IPv4, RFC 5952 IPv6 (lower case, longest zero run compressed). */
export function formatIp(ip: ParsedIp): string {
  const b = ip.bytes;
  if (ip.version === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return canonicalIpv6(words.join(':'))!;
}

/** Returns the canonical form of an IP address, or undefined when it is not one. */
export function normalizeIp(input: string | undefined | null): string | undefined {
  const ip = parseIp(input);
  return ip ? formatIp(ip) : undefined;
}

export interface Cidr {
  version: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
  source: string;
}

/**
 * Why the address part of a trusted-proxy entry is refused, or undefined when it is plain. Config is
 * read strictly, unlike addresses in headers: a port, brackets, spaces or a zone id in a trust
 * list mean the entry is not what its author thinks it is, and guessing would trust the wrong
 * hosts.
 */
function entryProblem(addr: string): string | undefined {
  if (addr.includes('[') || addr.includes(']'))
    return 'brackets are for URLs; write the bare address';
  if (addr.includes('%')) {
    return 'a zone id names an interface of one host; trust the address without it';
  }
  if (/^[\d.]+:\d*$/.test(addr)) return 'a port is not part of an address; leave it out';
  return undefined;
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). Throws on bad input.
 *
 * An IPv4-mapped range (`::ffff:10.0.0.0/104`) counts its prefix over all 128 bits, as IPv6
 * does: with 96 bits or more it is the IPv4 range of the mapped part (prefix - 96); with fewer
 * it is an IPv6 range, which covers no IPv4 address. The prefix is never read as IPv4 bits:
 * `::ffff:10.0.0.0/8` is not 10.0.0.0/8 (the class of bug proxy-addr fixed in 2.0.8).
 */
export function parseCidr(input: string): Cidr {
  const bad = (why?: string) =>
    new TypeError(`"${input}" is not an IP address or CIDR range${why ? `: ${why}` : ''}`);
  const [addr = '', prefixText, extra] = input.split('/');
  const problem = /\s/.test(input) ? 'it contains a space' : entryProblem(addr);
  if (problem) throw bad(problem);
  if (extra !== undefined) throw bad('it has more than one "/"');
  const v4 = parseIpv4(addr);
  const v6 = v4 ? undefined : parseIpv6(addr);
  if (!v4 && !v6) throw bad();
  const max = v4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    throw bad(`the prefix must be a number of bits (0-${max}); netmasks are not accepted`);
  }
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) throw bad(`the prefix must be 0-${max} bits for this address`);
  if (v4) return { version: 4, bytes: v4, prefix, source: input };
  if (isMapped(v6!) && prefix >= 96) {
    return { version: 4, bytes: v6!.slice(12), prefix: prefix - 96, source: input };
  }
  return { version: 6, bytes: v6!, prefix, source: input };
}

export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.version !== ip.version) return false;
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== ip.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (cidr.bytes[full]! & mask) === (ip.bytes[full]! & mask);
}
