import { headers } from 'next/headers';

// Reading request headers makes this page render per request, so it shows this request's decision.
export default async function Home() {
  const h = await headers();
  // Set by @esper/vercel for every request the proxy ran on; a client's own x-esper-* are removed.
  const decision = h.get('x-esper-decision'); // 'allow'; in monitor mode also 'challenge' or 'block'
  const decisionId = h.get('x-esper-decision-id');
  const mode = h.get('x-esper-mode');
  return (
    <main>
      <h1>Protected by Esper</h1>
      <p>
        Decision: <strong id="decision">{decision ?? 'none (the proxy did not run)'}</strong>
      </p>
      <p>
        Decision id: <code id="decision-id">{decisionId}</code>, mode: <code id="mode">{mode}</code>
      </p>
    </main>
  );
}
