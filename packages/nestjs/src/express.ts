import type { IncomingMessage } from 'node:http';
import parseurl from 'parseurl';

/**
 * The path and query Express routes `url` on (Nest's Express platform), or undefined when it
 * has none: parsed with `parseurl`, as Express does (`/admin#x` is `/admin`, absolute-form is
 * its path).
 */
export function expressTarget(url: string): string | undefined {
  try {
    const parsed = parseurl({ url } as IncomingMessage);
    if (parsed?.pathname?.startsWith('/')) return parsed.pathname + (parsed.search ?? '');
  } catch {}
  return undefined;
}
