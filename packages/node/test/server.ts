import { seenBody } from '../../../test/helpers/node-listen.js';

export {
  type Listening,
  listenServer as listen,
  type SeenRequest,
  seenBody,
} from '../../../test/helpers/node-listen.js';

export const KEY = { apiKey: 'node_key', secret: 'node_secret_0123456789abcdef012345' };

/** The runtime's call for the request that carried `x-test-id: id`. */
export function callFor(requests: ReadonlyArray<{ body: unknown }>, id: string) {
  const call = requests.find((r) => seenBody(r).request?.headers?.['x-test-id'] === id);
  return call && seenBody(call);
}
