import { esperContext } from '@esper/react-router';
import type { Route } from './+types/home';

export function loader({ context }: Route.LoaderArgs) {
  const decision = context.get(esperContext);
  return { action: decision.action, decisionId: decision.decisionId ?? null };
}

export default function Home({ loaderData }: Route.ComponentProps) {
  return (
    <p>
      Hello! Esper said: <b id="action">{loaderData.action}</b>
    </p>
  );
}
