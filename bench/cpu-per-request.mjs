// CPU time per protect() call, in process (process.cpuUsage), against the mock runtime in
// another process: the SDK's Node path (undici transport + nodeSigner) and the two undici
// floors (crypto.subtle, node:crypto). Rounds alternate; every round is printed, since one
// round on a shared machine says little. Not part of `pnpm bench`.
// Usage: node bench/cpu-per-request.mjs [N per round, default 5000]
import { createEsper } from '@esper/core';
import { createUndiciTransport, nodeSigner } from '@esper/core/node';
import * as undici from 'undici';
import { createFloor } from './floor.mjs';
import { KEY, startMockProcess } from './lib.mjs';

const N = Number(process.argv[2] ?? 5000);
const ip = '203.0.113.7';
const request = new Request('https://shop.example/login?next=%2F', {
  headers: { 'user-agent': 'Mozilla/5.0 bench', accept: 'text/html', 'x-real-ip': ip },
});
const mock = await startMockProcess();
const sdk = createEsper({
  apiBase: mock.url,
  ...KEY,
  env: {},
  cache: false,
  timeoutMs: 5000,
  clientIp: { trustedHeader: 'x-real-ip' },
  transport: createUndiciTransport({ load: async () => undici }),
  signer: nodeSigner,
});
const floorSubtle = await createFloor({ apiBase: mock.url, ...KEY, undici });
const floorNode = await createFloor({ apiBase: mock.url, ...KEY, undici, hmac: 'node' });
const subjects = {
  floor_undici: () => floorSubtle.decide(request, ip),
  floor_undici_node: () => floorNode.decide(request, ip),
  sdk_undici: () => sdk.protect(request),
};
for (let round = 0; round < 4; round++) {
  for (const [name, f] of Object.entries(subjects)) {
    for (let i = 0; i < 500; i++) await f();
    const cpu = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < N; i++) await f();
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - t;
    console.log(
      `round ${round} ${name.padEnd(18)} cpu ${((used.user + used.system) / N).toFixed(1)} µs/req, wall ${((wall * 1000) / N).toFixed(1)} µs/req`,
    );
  }
}
await Promise.all([sdk.close(), floorSubtle.close(), floorNode.close()]);
await mock.close();
