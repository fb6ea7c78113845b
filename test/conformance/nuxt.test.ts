import { expect, it } from 'vitest';
import { runConformance } from './scenarios.js';
import { nuxtTarget } from './targets/nuxt.js';

runConformance(nuxtTarget(), ({ runtime, live }) => {
  it("renders Nuxt's 404 page: its internal /__nuxt_error request passes the middleware too", async () => {
    // No page matches: Nuxt's error handler renders the error page with a local fetch of
    // /__nuxt_error, which Nitro runs through every middleware again (and Esper decides).
    const before = runtime().requests.length;
    const res = await live().request({
      path: '/admin/no/such/page',
      headers: [['accept', 'text/html']],
      platformIp: '198.51.100.61',
    });
    expect(res.status).toBe(404);
    expect(res.body).toContain('Page not found');
    const asked = runtime()
      .requests.slice(before)
      .map((r) => (r.body as { request: { path: string } }).request.path);
    expect(asked).toEqual(['/admin/no/such/page', '/__nuxt_error']);
  });
});
