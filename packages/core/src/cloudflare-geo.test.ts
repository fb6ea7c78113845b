import { describe, expect, it } from 'vitest';
import { cloudflareGeo as cfGeo } from './cloudflare-geo.js';

describe('cloudflareGeo', () => {
  it('maps location, network and bot-management facts', () => {
    const geo = cfGeo({
      country: 'DE',
      region: 'Berlin',
      regionCode: 'BE',
      city: 'Berlin',
      latitude: '52.52',
      longitude: '13.40',
      asn: 3320,
      asOrganization: 'Deutsche Telekom',
      colo: 'FRA',
      tlsVersion: 'TLSv1.3',
      httpProtocol: 'HTTP/2',
      botManagement: { score: 12, verifiedBot: false, ja3Hash: 'abc' },
      tlsClientAuth: { certPresented: '0' },
    });
    expect(geo).toEqual({
      country: 'DE',
      region: 'BE',
      city: 'Berlin',
      latitude: '52.52',
      longitude: '13.40',
      asn: 3320,
      as_organization: 'Deutsche Telekom',
      colo: 'FRA',
      tls_version: 'TLSv1.3',
      http_protocol: 'HTTP/2',
      bot_score: 12,
      verified_bot: false,
    });
  });

  it('falls back to the region name when there is no region code', () => {
    expect(cfGeo({ region: 'Texas' })).toEqual({ region: 'Texas' });
  });

  it('drops fields of the wrong type and empty strings', () => {
    expect(
      cfGeo({ country: '', city: 7, asn: -1, botManagement: { score: '99' }, colo: ['x'] }),
    ).toBeUndefined();
    expect(cfGeo({ asn: 1.5, country: 'US' })).toEqual({ country: 'US' });
  });

  it('is undefined without request.cf (local dev, internal requests)', () => {
    expect(cfGeo(undefined)).toBeUndefined();
    expect(cfGeo(null)).toBeUndefined();
    expect(cfGeo('DE')).toBeUndefined();
  });
});
