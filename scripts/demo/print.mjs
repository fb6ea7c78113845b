// The demo's explanatory text: what was set up, how each platform is played, and what the
// figures in the final tables mean. Kept apart so scripts/demo.mjs reads as the sequence.
import { availableParallelism } from 'node:os';
import { TENANT } from './runtime.mjs';
import { USERS } from './traffic.mjs';

export function setup({ runtime, mode, timeoutMs, selected, leftOut }) {
  console.log(`
  runtime       ${runtime.url}   (tenant "${TENANT.tenant_id}", key ${runtime.apiKey})
  results page  ${runtime.resultsPage}   (user: any, password: ${runtime.adminToken})
  settings      ESPER_MODE=${mode}, ESPER_TIMEOUT_MS=${timeoutMs} for every example. 300 ms, the SDK's
                default, is a production budget; here one ${availableParallelism()}-core machine runs the
                runtime, the builds and every example, so a generous budget keeps a slow moment
                (a cold start, a GC pause) from failing open.
  adapters      ${selected.map((a) => a.name).join(', ')}${leftOut.length ? `   (left out: ${leftOut.join(', ')})` : ''}
`);
}

export function traffic(adapters) {
  console.log(`
  traffic       per adapter, one request at a time: a scraper (one address, a new fake
                X-Forwarded-For each time), ${USERS} users signing in and reading articles (each
                article followed by a static asset: the latency baseline), ?foo=bar requests, and
                a burst of logins as a browser and as an API client. The scrapers go first:
                pol_traffic_share compares a client with the whole tenant's traffic, so a
                scraper only stands out while it outweighs what came before it.
  platforms     ${adapters.map((a) => `${a.name.padEnd(11)} ${a.played}`).join('\n                ')}
`);
}

/** What the adapters table's columns mean (printed under it, and in results.html). */
export function adapterLegend(mode, pairs) {
  const monitor =
    mode === 'monitor' ? ' With ESPER_MODE=monitor, any answer is only observed.' : '';
  const max =
    Math.ceil(0.99 * pairs) === pairs ? ` (with ${pairs} pairs, p99 is their maximum)` : '';
  return `  allow / challenge / block: what the client got back. A challenge is a 302 to the runtime's
  challenge page for a browser, a 403 challenge_required JSON for an API client (each one is
  checked). observe: went through while the runtime's answer was a Monitor one (mode
  "monitor": recorded, not enforced).${monitor} fail-open: went through with no answer from the
  runtime. skipped: a static asset the SDK let through without asking the runtime.
  added latency: each GET /articles/N a user sent is followed by a GET /favicon.ico from
  the same user to the same example, which the SDK skips without calling the runtime. Added =
  article time − asset time, measured by the client over the whole request, over the pairs
  whose article the runtime allowed${max}.
  It includes the runtime's own time; the runtime is a mock on loopback, so no network to a
  real one is in it. baseline p50: the asset requests' own time.`;
}

/** The runtime's totals next to the adapters' (printed, and in results.html). */
export function tenantLine(results, answered) {
  const d = results.decisions;
  const same =
    answered === results.requests ? 'the same count' : `≠ ${results.requests}: some are missing`;
  return `  tenant: ${results.requests} requests decided (${d.allow} allow, ${d.monitor} monitor, ${d.challenge} challenge, ${d.block} block); the
  adapters' requests the runtime answered: ${answered} (${same}). A policy is counted for each
  request it matched, also when another policy decided that request.`;
}

/** Under the hybrid pass's table. */
export function hybridLegend() {
  return `  What the clients got back in the hybrid pass. allow: reached the application (a Monitor
  decision too: the local deciders report decisions to origin by count, not per request).
  decided locally: requests a local decider decided, by esper run for the adapters (the static
  assets the SDK skips are not asked) and by the proxy for capture (static assets go straight to
  the app). challenge: a local challenge, enforced. Its URL is origin's hosted page: the proxy
  (whose api base is origin) sends a browser there, but an SDK pointed at esper run follows
  challenge URLs on its apiBase's origin only, so it answers 403 like a block (see Noticed).`;
}

/** Under the cloud vs hybrid latency table. */
export function latencyLegend() {
  return `  Added latency as in the adapters table: article time − static asset time, over the pairs
  whose article was allowed. cloud: the adapter → the mock runtime over loopback, deciding from
  the tenant's policies. hybrid: the same adapter, unchanged, → esper run on loopback, deciding
  from its synced snapshot; capture: the whole proxy (decision and proxying) in front of the app.`;
}
