import { describe, expect, it } from 'vitest';
import {
  type ExpressRequestLike,
  expressRequestFacts,
  expressTrustsProxy,
} from './node-express.js';

type Settings = Record<string, unknown>;

function request(
  rawHeaders: string[],
  settings: Settings,
  extra: Partial<ExpressRequestLike> = {},
) {
  const headers: ExpressRequestLike['headers'] = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    headers[name] = headers[name] ? `${headers[name]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1];
  }
  const req: ExpressRequestLike = {
    url: '/x',
    headers,
    rawHeaders,
    socket: { remoteAddress: '10.0.0.1' },
    app: { get: (name) => settings[name] },
    ...extra,
  };
  return req;
}

const target = (url: string) => (url.startsWith('/') ? url : undefined);
const privateHops = (address: string) => address.startsWith('10.');

describe('expressTrustsProxy', () => {
  it("is the app's `trust proxy` setting, when set to anything but false", () => {
    expect(expressTrustsProxy(request([], {}))).toBe(false);
    expect(expressTrustsProxy(request([], { 'trust proxy': false }))).toBe(false);
    expect(expressTrustsProxy(request([], { 'trust proxy': 0 }))).toBe(true);
    expect(expressTrustsProxy({ ...request([], {}), app: undefined })).toBe(false);
  });
});

describe('expressRequestFacts', () => {
  it('routes on originalUrl (the mount path kept), then url', () => {
    const mounted = request([], {}, { originalUrl: '/mount/x?a', url: '/x?a' });
    expect(expressRequestFacts(mounted, 'direct', target).target).toBe('/mount/x?a');
    expect(expressRequestFacts(request([], {}), 'direct', target).target).toBe('/x');
    const asterisk = request([], {}, { url: '*' });
    expect(expressRequestFacts(asterisk, 'direct', target).target).toBeUndefined();
  });

  it('leaves the raw lines to core without `trust proxy`, ignoring req.ip and req.protocol', () => {
    const req = request(
      ['X-Forwarded-For', '1.1.1.1', 'X-Forwarded-For', '2.2.2.2', 'X-Forwarded-Proto', 'https'],
      {},
      { ip: '2.2.2.2', protocol: 'https' },
    );
    expect(expressRequestFacts(req, 'direct', target)).toEqual({
      target: '/x',
      scheme: 'http',
      ip: { remoteAddress: '10.0.0.1', forwardedFor: ['1.1.1.1', '2.2.2.2'] },
    });
    expect(expressRequestFacts(req, 'heroku', target).scheme).toBe('https');
  });

  it('takes req.ip and an http(s) req.protocol under `trust proxy`', () => {
    const settings = { 'trust proxy': true, 'trust proxy fn': () => true };
    const req = request(['X-Forwarded-For', '1.1.1.1'], settings, {
      ip: '1.1.1.1',
      protocol: 'https',
    });
    expect(expressRequestFacts(req, 'direct', target)).toEqual({
      target: '/x',
      scheme: 'https',
      ip: { clientIp: '1.1.1.1' },
    });
    const odd = request([], settings, { ip: '1.1.1.1', protocol: 'javascript' });
    expect(expressRequestFacts(odd, 'direct', target).scheme).toBe('http');
  });

  it("walks the Heroku router's first line with `trust proxy fn`, or gives no IP without it", () => {
    const lines = ['X-Forwarded-For', '1.1.1.1, 10.0.0.2', 'X-Forwarded-For', '6.6.6.6'];
    const withFn = request(
      lines,
      { 'trust proxy': true, 'trust proxy fn': privateHops },
      { ip: '6.6.6.6' },
    );
    expect(expressRequestFacts(withFn, 'heroku', target).ip).toEqual({ clientIp: '1.1.1.1' });
    const withoutFn = request(lines, { 'trust proxy': true }, { ip: '6.6.6.6' });
    expect(expressRequestFacts(withoutFn, 'heroku', target).ip).toEqual({ clientIp: '' });
  });
});
