import { expect, it } from 'vitest';
import { runConformance } from './scenarios.js';
import { reactRouterTarget } from './targets/react-router.js';
import { API, seen, tagged } from './world.js';

runConformance(reactRouterTarget, ({ live, runtime }) => {
  // React Router's own ways to reach a route: single-fetch `.data` requests (GET runs the
  // loaders, POST the action) and its matching rules (case, trailing slashes). The middleware
  // sees each as the path React Router routes on, which the runtime blocks.
  const spellings: Array<[string, string]> = [
    ['GET', '/block.data'],
    ['POST', '/block.data'],
    ['GET', '/BLOCK.data'],
    ['GET', '/block/.data'],
    ['GET', '/block//.data'],
    ['GET', '/_root.data?_routes=routes/contract'],
    ['GET', '/Block//'],
    ['POST', '/BLOCK/'],
  ];
  for (const [method, path] of spellings) {
    it(`${method} ${path} is decided as the path React Router routes on`, async () => {
      const req = tagged({ method, path, headers: API });
      const res = await live().request(req);
      const [call] = seen(runtime(), req.id);
      const asked = (call?.body as { request?: { path?: string } } | undefined)?.request?.path;
      if (path.startsWith('/_root')) {
        // The root's data request is for `/`: decided as `/`, allowed, loaders run.
        expect(asked).toBe('/');
        expect(res.status).toBe(200);
        return;
      }
      expect(asked).toBe('/block');
      expect(res.status).toBe(403);
    });
  }

  it('the typed context holds the decision; the app sees the decision headers', async () => {
    const res = await live().request(
      tagged({ path: '/hello', headers: [...API, ['x-esper-decision', 'forged']] }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-context-action')).toBe('allow');
    // The loader's own request.headers: the middleware replaced the forged header.
    expect(res.headers.get('x-request-decision')).toBe('allow');
    expect(JSON.parse(res.body).decision).toBe('allow');
  });
});
