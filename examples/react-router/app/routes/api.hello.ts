import { esperContext } from '@esper/react-router';
import type { Route } from './+types/api.hello';

// A resource route: JSON, with the decision the middleware made.
export function loader({ context }: Route.LoaderArgs) {
  const decision = context.get(esperContext);
  return Response.json({
    hello: 'world',
    decision: decision.action,
    decisionId: decision.decisionId,
  });
}
