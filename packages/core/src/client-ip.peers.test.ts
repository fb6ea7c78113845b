/**
 * The resolver held against its peers' own test suites. Each row is a case translated from:
 * - proxy-addr: jshttp/proxy-addr test/test.js (`describe` path quoted in `from`);
 * - ipaddr.js: whitequark/ipaddr.js test/ipaddr.test.js;
 * - BlockList: nodejs/node test/parallel/test-blocklist.js.
 * Where Esper answers differently on purpose, `differs` says why (also in
 * docs/field-model.md#client-ip).
 */
import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from './client-ip.js';
import { cidrContains, formatIp, normalizeIp, parseCidr, parseIp } from './ip.js';

interface WalkCase {
  from: string;
  trust: string[];
  peer: string | undefined;
  xff?: string;
  expected: string | undefined;
  differs?: string;
}

const WALK: WalkCase[] = [
  {
    from: 'proxy-addr: with none trusted, socket address with headers',
    trust: [],
    peer: '127.0.0.1',
    xff: '10.0.0.1, 10.0.0.2',
    expected: '127.0.0.1',
  },
  {
    from: 'proxy-addr: with all trusted, furthest header value',
    trust: ['0.0.0.0/0'],
    peer: '127.0.0.1',
    xff: '10.0.0.1, 10.0.0.2',
    expected: '10.0.0.1',
  },
  {
    from: 'proxy-addr: some trusted, socket address when not trusted',
    trust: ['10.0.0.0/8'],
    peer: '127.0.0.1',
    xff: '10.0.0.1, 10.0.0.2',
    expected: '127.0.0.1',
  },
  {
    from: 'proxy-addr: some trusted, header when socket trusted',
    trust: ['10.0.0.0/8'],
    peer: '10.0.0.1',
    xff: '192.168.0.1',
    expected: '192.168.0.1',
  },
  {
    from: 'proxy-addr: some trusted, first untrusted after trusted',
    trust: ['10.0.0.0/8'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.2',
    expected: '192.168.0.1',
  },
  {
    from: 'proxy-addr: some trusted, should not skip untrusted',
    trust: ['10.0.0.0/8'],
    peer: '10.0.0.1',
    xff: '10.0.0.3, 192.168.0.1, 10.0.0.2',
    expected: '192.168.0.1',
  },
  {
    from: 'proxy-addr: array, literal IP addresses',
    trust: ['10.0.0.1', '10.0.0.2'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.2',
    expected: '192.168.0.1',
  },
  {
    from: 'proxy-addr: array, socket address if none match',
    trust: ['127.0.0.1', '192.168.0.100'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.2',
    expected: '10.0.0.1',
  },
  {
    from: 'proxy-addr: IPv4, CIDR notation',
    trust: ['10.0.0.2/26'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.200',
    expected: '10.0.0.200',
  },
  {
    from: 'proxy-addr: IPv6, literal IP addresses',
    trust: ['fe80::1', 'fe80::2'],
    peer: 'fe80::1',
    xff: '2002:c000:203::1, fe80::2',
    expected: '2002:c000:203::1',
  },
  {
    from: 'proxy-addr: IPv6, CIDR notation',
    trust: ['fe80::/125'],
    peer: 'fe80::1',
    xff: '2002:c000:203::1, fe80::ff00',
    expected: 'fe80::ff00',
  },
  {
    from: 'proxy-addr: mixed versions, match respective versions',
    trust: ['127.0.0.1', '::1'],
    peer: '::1',
    xff: '2002:c000:203::1',
    expected: '2002:c000:203::1',
  },
  {
    from: 'proxy-addr: mixed versions, not match IPv4 to IPv6',
    trust: ['127.0.0.1'],
    peer: '::1',
    xff: '2002:c000:203::1',
    expected: '::1',
  },
  {
    from: 'proxy-addr: mapped, IPv4 trust to IPv6 request',
    trust: ['10.0.0.1', '10.0.0.2'],
    peer: '::ffff:a00:1',
    xff: '192.168.0.1, 10.0.0.2',
    expected: '192.168.0.1',
  },
  {
    from: 'proxy-addr: mapped, IPv4 CIDR trust to IPv6 request',
    trust: ['10.0.0.1/16'],
    peer: '::ffff:a00:1',
    xff: '192.168.0.1, 10.0.0.2',
    expected: '192.168.0.1',
  },
  {
    from: 'proxy-addr: mapped, IPv6 trust to IPv4 request',
    trust: ['::ffff:a00:1', '::ffff:a00:2'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.2',
    expected: '192.168.0.1',
  },
  {
    from: 'proxy-addr: mapped, CIDR for IPv4-mapped address',
    trust: ['::ffff:a00:2/122'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.200',
    expected: '10.0.0.200',
  },
  {
    from: 'proxy-addr: mapped CIDR mixed with IPv6 CIDR',
    trust: ['::ffff:a00:2/122', 'fe80::/125'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.200',
    expected: '10.0.0.200',
  },
  {
    from: 'proxy-addr: mapped CIDR mixed with IPv4 addresses',
    trust: ['::ffff:a00:2/122', '127.0.0.1'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.200',
    expected: '10.0.0.200',
  },
  {
    from: 'proxy-addr: socket address undefined',
    trust: ['127.0.0.1'],
    peer: undefined,
    expected: undefined,
  },
  {
    from: 'proxy-addr: socket undefined, even with trusted headers',
    trust: ['127.0.0.1'],
    peer: undefined,
    xff: '127.0.0.1, 10.0.0.1',
    expected: undefined,
  },
  {
    from: 'proxy-addr: array, should not trust non-IP addresses',
    trust: ['10.0.0.1', '10.0.0.2'],
    peer: '10.0.0.1',
    xff: '192.168.0.1, 10.0.0.2, localhost',
    expected: undefined,
    differs: 'proxy-addr returns "localhost"; client_ip is only ever an IP, so none is sent',
  },
  {
    from: 'proxy-addr: stop at first malformed ip after trusted',
    trust: ['127.0.0.1'],
    peer: '127.0.0.1',
    xff: 'myrouter, 127.0.0.1, ::8:8:8:8:8:8:8:8:8',
    expected: undefined,
    differs: 'proxy-addr returns the malformed text; Esper sends no client_ip',
  },
];

describe('right-to-left walk, as the peers test it', () => {
  it.each(WALK)('$from', ({ trust, peer, xff, expected }) => {
    const resolve = createClientIpResolver({ trustedProxies: trust });
    const headers = new Headers(xff ? { 'x-forwarded-for': xff } : {});
    expect(resolve(headers, peer)).toBe(expected);
  });
});

const REFUSED: Array<[string, string, string?]> = [
  ['10.0.300.1', 'proxy-addr: should reject non-IP'],
  ['::ffff:30.168.1.9000', 'proxy-addr: should reject non-IP'],
  ['-1', 'proxy-addr: should reject non-IP'],
  ['blargh', 'proxy-addr: should reject non-IP'],
  ['10.0.0.1/internet', 'proxy-addr: should reject bad CIDR'],
  ['10.0.0.1/6000', 'proxy-addr: should reject bad CIDR'],
  ['::1/6000', 'proxy-addr: should reject bad CIDR'],
  ['::ffff:a00:2/136', 'proxy-addr: should reject bad CIDR'],
  ['::ffff:a00:2/-1', 'proxy-addr: should reject bad CIDR'],
  ['10.0.0.1/255.0.255.0', 'proxy-addr: should reject bad netmask'],
  ['fe80::/ffc0::', 'proxy-addr: should reject bad netmask'],
  [
    '10.0.0.2/255.255.255.192',
    'proxy-addr: should accept netmask notation',
    'netmasks refused: one notation, the prefix',
  ],
  ['loopback', 'proxy-addr: pre-defined names', 'names refused: ranges are written out'],
  ['0.0.0.0/-1', 'ipaddr.js: parses IPv4 CIDR correctly'],
  ['0.0.0.0/33', 'ipaddr.js: parses IPv4 CIDR correctly'],
  ['::1%zone/24', 'ipaddr.js: parses CIDR reversible', 'a zone id in a trust entry is refused'],
  ['::/129', 'BlockList: addSubnet out of range'],
  ['1.1.1.1/33', 'BlockList: addSubnet out of range'],
];

describe('trust entries refused, as the peers refuse them', () => {
  it.each(REFUSED)('%s (%s)', (entry) => {
    expect(() => parseCidr(entry)).toThrow(/not an IP address or CIDR range/);
  });
});

const ADDRESSES: Array<[string, string | undefined, string, string?]> = [
  ['192.168.007.0xa', undefined, 'ipaddr.js: IPv4.isValid', 'no octal, hex or short IPv4 forms'],
  ['0xc0.168.1.1', undefined, 'ipaddr.js: parses IPv4 in several weird formats', 'as above'],
  ['3232235777', undefined, 'ipaddr.js: parses IPv4 in several weird formats', 'as above'],
  ['10.048.1.1', undefined, 'ipaddr.js: barfs at invalid IPv4'],
  ['1024.0.0.1', undefined, 'ipaddr.js: validates IPv4 addresses'],
  ['2001:db8:F53A::1', '2001:db8:f53a::1', 'ipaddr.js: validates IPv6 addresses'],
  ['200001::1', undefined, 'ipaddr.js: validates IPv6 addresses'],
  ['::ffff:192.168.1.1%z', '192.168.1.1', 'ipaddr.js: validates IPv6 addresses'],
  ['::ffff:300.168.1.1', undefined, 'ipaddr.js: validates IPv6 addresses'],
  ['::ffff:222.1.41.9000', undefined, 'ipaddr.js: validates IPv6 addresses'],
  ['2001:db8::F53A::1', undefined, 'ipaddr.js: validates IPv6 addresses'],
  ['fe80::wtf', undefined, 'ipaddr.js: validates IPv6 addresses'],
  ['fe80::%', undefined, 'ipaddr.js: validates IPv6 addresses'],
  ['2002::2:', undefined, 'ipaddr.js: validates IPv6 addresses'],
  ['::%z', '::', 'ipaddr.js: validates IPv6 addresses'],
  [
    '2001:db8:f53a::1%WAT',
    '2001:db8:f53a::1',
    'ipaddr.js: returns IPv6 zoneIndex',
    'the zone is dropped from client_ip',
  ],
  ['0:0:0:ff:ff:0:0:0', '::ff:ff:0:0:0', 'ipaddr.js: converts IPv6 to RFC 5952 string'],
  [
    '2001:db8:ff:abc:0:123b:456c:78d',
    '2001:db8:ff:abc:0:123b:456c:78d',
    'ipaddr.js: RFC 5952, single 0s kept',
  ],
  ['2001:0:0:0:ff:0:0:0', '2001::ff:0:0:0', 'ipaddr.js: RFC 5952, longest run collapsed'],
];

describe('addresses, as ipaddr.js reads them', () => {
  it.each(ADDRESSES)('%s → %s (%s)', (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });
});

const SUBNETS: Array<[string, string, boolean, string]> = [
  ['1.1.1.0/16', '1.1.0.1', true, 'BlockList: addSubnet'],
  ['1.1.1.0/16', '1.2.0.1', false, 'BlockList: addSubnet'],
  ['1.1.1.0/16', '::ffff:1.1.0.1', true, 'BlockList: IPv4 subnet, mapped address'],
  ['::ffff:1.1.1.2', '1.1.1.2', true, 'BlockList: mapped rule, IPv4 address'],
  ['8592:757c:efae:4e45::/64', '8592:757c:efae:4e45::f', true, 'BlockList: addSubnet'],
  ['8592:757c:efae:4e45::/64', '8592:757c:efae:4f45::f', false, 'BlockList: addSubnet'],
  ['10.0.0.0/27', '10.0.0.31', true, 'BlockList: non-aligned prefixes'],
  ['10.0.0.0/27', '10.0.0.32', false, 'BlockList: non-aligned prefixes'],
  [
    '8592:757c:efaf::/51',
    '8592:757c:efaf:1fff:ffff:ffff:ffff:ffff',
    true,
    'BlockList: non-aligned',
  ],
  [
    '8592:757c:efaf::/51',
    '8592:757c:efaf:2fff:ffff:ffff:ffff:ffff',
    false,
    'BlockList: non-aligned',
  ],
  ['10.5.0.1/8', '10.5.0.1', true, 'ipaddr.js: parses IPv4 CIDR (host bits set)'],
  ['10.4.5.0/15', '10.5.0.1', true, 'ipaddr.js: matches IPv4 CIDR'],
  ['10.4.5.0/16', '10.5.0.1', false, 'ipaddr.js: matches IPv4 CIDR'],
];

describe('subnet matches, as the peers test them', () => {
  it.each(SUBNETS)('%s contains %s: %s (%s)', (cidr, ip, expected) => {
    expect(cidrContains(parseCidr(cidr), parseIp(ip)!)).toBe(expected);
  });
});

/** xorshift32: a fixed seed, so a failure is reproducible. */
function random(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('random subnets agree with net.BlockList', () => {
  const next = random(0x5eed);
  const byte = () => Math.floor(next() * 256);
  const v4 = () => [byte(), byte(), byte(), byte()].join('.');
  const v6 = () =>
    Array.from({ length: 8 }, () => Math.floor(next() * 0x10000).toString(16)).join(':');

  it.each([4, 6] as const)('IPv%i: 2000 subnet × address pairs', (version) => {
    for (let n = 0; n < 2000; n++) {
      const base = version === 4 ? v4() : v6();
      const prefix = Math.floor(next() * (version === 4 ? 33 : 129));
      // Half the addresses are the base with one bit flipped, inside or outside the prefix,
      // so both answers and the prefix boundary are exercised.
      const ip = parseIp(base)!;
      const bit = Math.floor(next() * ip.bytes.length * 8);
      ip.bytes[bit >> 3]! ^= 0x80 >> (bit & 7);
      const address = next() < 0.5 ? formatIp(ip) : version === 4 ? v4() : v6();
      const list = new BlockList();
      list.addSubnet(base, prefix, `ipv${version}`);
      const ours = cidrContains(parseCidr(`${base}/${prefix}`), parseIp(address)!);
      expect(ours, `${base}/${prefix} ∋ ${address}`).toBe(list.check(address, `ipv${version}`));
    }
  });
});
