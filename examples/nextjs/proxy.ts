// Next.js 16: proxy.ts runs on the Node.js runtime before every route it matches.
// ESPER_API_KEY and ESPER_API_SECRET come from the environment (Vercel → Settings →
// Environment Variables, or .env.local); a missing one fails `next start` at once.
import { withEsper } from '@esper/vercel';

export default withEsper();

// Next never runs the proxy for its own build output; skipping these saves a decision per asset.
export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
