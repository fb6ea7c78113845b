import { describe, expect, it } from 'vitest';
import { cidrContains, formatIp, normalizeIp, parseCidr, parseIp } from './ip.js';

describe('parseIp / normalizeIp', () => {
  it.each([
    ['203.0.113.10', '203.0.113.10'],
    [' 203.0.113.10 ', '203.0.113.10'],
    ['203.0.113.10:443', '203.0.113.10'],
    ['2001:DB8::1', '2001:db8::1'],
    ['[2001:db8::1]:8080', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });

  it.each([
    '',
    'unknown',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.4/24',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::',
    'gggg::1',
    '12345::',
    '1.2.3.4, 5.6.7.8',
    'a'.repeat(100),
  ])('rejects %j', (input) => {
    expect(parseIp(input)).toBeUndefined();
  });

  it('reports versions', () => {
    expect(parseIp('10.0.0.1')?.version).toBe(4);
    expect(parseIp('::1')?.version).toBe(6);
    expect(formatIp(parseIp('::ffff:10.1.2.3')!)).toBe('10.1.2.3');
  });
});

describe('CIDR', () => {
  it.each([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['192.168.1.0/25', '192.168.1.127', true],
    ['192.168.1.0/25', '192.168.1.128', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['203.0.113.5', '203.0.113.5', true],
    ['203.0.113.5', '203.0.113.6', false],
    ['10.0.0.0/8', '::1', false],
    ['::/0', '10.0.0.1', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(parseCidr(cidr), parseIp(ip)!)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', 'nope/8', '10.0.0.0/8/1', '10.0.0.0/x', '10.0.0.0/'])(
    'rejects %s',
    (cidr) => {
      expect(() => parseCidr(cidr)).toThrow(/not an IP address or CIDR/);
    },
  );
});

describe('zone ids', () => {
  it.each([
    ['fe80::1%eth0', 'fe80::1'],
    ['fe80::1%25', 'fe80::1'],
    ['[fe80::1%en0]:8080', 'fe80::1'],
    ['::ffff:192.168.1.1%eth0', '192.168.1.1'],
  ])('%s is the address without its zone: %s', (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });

  // A zone id names an interface; anything else after "%" is text riding on an address.
  it.each([
    'fe80::%',
    'fe80::1%eth0, 6.6.6.6',
    'fe80::1%a/b',
    'fe80::1%e th0',
    `fe80::1%${'a'.repeat(33)}`,
    '10.0.0.1%eth0',
  ])('rejects %j', (input) => {
    expect(parseIp(input)).toBeUndefined();
  });
});

describe('IPv4-mapped CIDRs', () => {
  it.each([
    // The prefix counts all 128 bits: /122 over ::ffff:a00:2 is 10.0.0.0/26.
    ['::ffff:a00:2/122', '10.0.0.63', true],
    ['::ffff:a00:2/122', '10.0.0.64', false],
    ['::ffff:0:0/96', '203.0.113.9', true],
    ['::ffff:10.0.0.0/104', '10.200.0.1', true],
    ['::ffff:10.0.0.0/104', '11.0.0.1', false],
    ['::ffff:10.0.0.1', '10.0.0.1', true],
    // Below /96 it is an IPv6 range, never 10.0.0.0/8 read as IPv4 bits.
    ['::ffff:10.0.0.0/8', '10.1.2.3', false],
    ['::ffff:10.0.0.0/8', '::1', true],
    ['::ffff:0:0/95', '10.0.0.1', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(parseCidr(cidr), parseIp(ip)!)).toBe(expected);
  });

  it('reports a mapped prefix above 128 bits as a prefix problem', () => {
    expect(() => parseCidr('::ffff:a00:2/136')).toThrow(/prefix must be 0-128 bits/);
  });
});

describe('trusted-proxy entries are read strictly', () => {
  it.each([
    ['10.0.0.1:80', /port/],
    ['10.0.0.0:80/8', /port/],
    ['[::1]', /brackets/],
    ['[2001:db8::]/32', /brackets/],
    [' 10.0.0.1', /space/],
    ['10.0.0.0 /8', /space/],
    ['fe80::1%eth0', /zone id/],
    ['10.0.0.0/255.0.0.0', /netmask/],
    ['10.0.0.0/-1', /netmask|number of bits/],
    ['loopback', /not an IP address/],
  ])('refuses %j', (entry, message) => {
    expect(() => parseCidr(entry)).toThrow(message);
  });
});
