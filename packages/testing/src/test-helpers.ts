/** Shared by this package's tests: @esper/runtime's test support, with DEFAULT_TEST_KEY. */
import {
  errorOf,
  type SignedPostOptions,
  sampleBody,
  signedPost as signedPostWith,
} from '../../runtime/src/test-support/signed-call.js';
import { DEFAULT_TEST_KEY } from './controller.js';

export { errorOf, sampleBody };

/** A signed POST over real loopback, with DEFAULT_TEST_KEY unless told otherwise. */
export function signedPost(
  baseUrl: string,
  body: unknown,
  opts: Partial<SignedPostOptions> = {},
): Promise<Response> {
  return signedPostWith(baseUrl, body, {
    ...opts,
    apiKey: opts.apiKey ?? DEFAULT_TEST_KEY.apiKey,
    secret: opts.secret ?? DEFAULT_TEST_KEY.secret,
  });
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 2000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
