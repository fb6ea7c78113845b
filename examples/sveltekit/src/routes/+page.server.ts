import type { PageServerLoad } from './$types';

// `locals.esper` is the decision for this request (typed by @esper/sveltekit).
export const load: PageServerLoad = ({ locals }) => ({
  decision: locals.esper.action,
  decisionId: locals.esper.decisionId,
});
