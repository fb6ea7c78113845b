import { withEsper } from '@esper/cloudflare';

// Settings come from the worker's bindings: the secrets ESPER_API_KEY and ESPER_API_SECRET
// (`wrangler secret put`), and optional [vars] in wrangler.toml.
export default withEsper({
  async fetch(request) {
    // Only allowed requests get here (every request, in monitor mode). Esper set these
    // headers; a client's own x-esper-* headers were removed.
    const decision = request.headers.get('x-esper-decision');
    const decisionId = request.headers.get('x-esper-decision-id');
    return Response.json({ hello: 'from the edge', decision, decisionId });
  },
});
