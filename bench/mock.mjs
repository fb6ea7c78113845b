// The mock runtime in its own process (forked by lib.mjs). Replies to IPC `counts` with the
// server's socket counts so the timeout bench can check that no socket is left open.
import { startMockRuntime } from '@esper/testing';
import { KEY } from './lib.mjs';

const { answer } = JSON.parse(process.argv[2] ?? '{}');
const runtime = await startMockRuntime({
  keys: [KEY],
  ...(answer ? { defaultAnswer: answer } : {}),
  // Recording is for tests; keep the bench's memory flat.
  maxRecordedRequests: 1,
});
process.on('message', (m) => {
  if (m.type === 'counts')
    process.send({
      type: 'reply',
      id: m.id,
      value: { open: runtime.openConnections(), busy: runtime.busyConnections() },
    });
});
process.on('SIGTERM', () => runtime.close().then(() => process.exit(0)));
process.send({ type: 'ready', url: runtime.url });
