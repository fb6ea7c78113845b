// Next.js 13–15 (and 16 on the Edge runtime): the same code as proxy.ts, in a file named
// middleware.ts at the project root instead of proxy.ts. Next 16 refuses a project with both.
import { withEsper } from '@esper/vercel';

export default withEsper();

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
