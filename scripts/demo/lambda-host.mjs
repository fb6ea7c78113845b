// Stands in for the Lambda runtime in its own process, as `sam local invoke` would without
// Docker: the function's environment is this process's, the built modules load once (the cold
// start), and each invocation gets an event and a fresh Lambda context. Driven over IPC by
// launchers/lambda.mjs.
import { lambdaContext } from '../../examples/lambda/scripts/events.mjs';

const dist = new URL('../../examples/lambda/dist/', import.meta.url);
const functions = {
  handler: (await import(new URL('handler.mjs', dist).href)).handler,
  middy: (await import(new URL('middy.mjs', dist).href)).handler,
};

process.on('message', async ({ id, fn, event }) => {
  try {
    const result = await functions[fn](event, lambdaContext());
    process.send({ id, result });
  } catch (err) {
    process.send({ id, error: err instanceof Error ? err.stack : String(err) });
  }
});
process.send({ ready: true });
