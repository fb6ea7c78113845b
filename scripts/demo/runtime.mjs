// The Esper runtime of the demo: @esper/testing's mock, deciding from the quickstart tenant's
// policies (nothing scripted), on loopback. Everything the report says about the runtime's side
// comes from here: its recorded answers and its results API.
import { QUICKSTART_TENANT, startMockRuntime } from '@esper/testing';

export const TENANT = QUICKSTART_TENANT;
/** esper_qs_web: the tenant's "Web app production" key; every example uses it. */
const KEY = QUICKSTART_TENANT.api_keys[0];

/**
 * @typedef {{ action: string, mode: string, policyId: string | null, status: number }} RuntimeAnswer
 */

export async function startRuntime() {
  const mock = await startMockRuntime({
    tenants: [QUICKSTART_TENANT],
    // Every call of the run is kept, so each request can be joined to the runtime's answer.
    maxRecordedRequests: 100_000,
  });
  const admin = { authorization: `Bearer ${mock.adminToken}`, 'x-esper-actor': 'demo' };
  const get = async (path) => {
    const res = await fetch(`${mock.url}${path}`, { headers: admin });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    url: mock.url,
    resultsPage: `${mock.url}/results`,
    adminToken: mock.adminToken,
    apiKey: KEY.apiKey,
    /** The settings every example reads from its environment (or bindings). */
    env: { ESPER_API_BASE: mock.url, ESPER_API_KEY: KEY.apiKey, ESPER_API_SECRET: KEY.secret },
    /** GET /tenants/quickstart/results: what the policies decided, per policy. */
    results: async () => (await get(`/tenants/${TENANT.tenant_id}/results`)).json(),
    /** GET /results: the same as the HTML page a browser sees. */
    resultsHtml: async () => (await get('/results')).text(),
    /**
     * The runtime's answer to each protected request, by the `x-demo-id` header the demo put on
     * it (the SDK forwards request headers to the runtime, so the id arrives with the call).
     * @returns {Map<string, RuntimeAnswer>}
     */
    answersByDemoId() {
      const answers = new Map();
      for (const call of mock.requests) {
        const id = call.body?.request?.headers?.['x-demo-id'];
        if (typeof id !== 'string') continue;
        let body = {};
        try {
          body = JSON.parse(call.response?.body ?? '{}');
        } catch {}
        answers.set(id, {
          action: body.action ?? 'none',
          mode: body.mode ?? 'none',
          policyId: body.policy_id ?? null,
          status: call.response?.status ?? 0,
        });
      }
      return answers;
    },
    close: () => mock.close(),
  };
}
