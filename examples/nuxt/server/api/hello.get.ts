// Only allowed requests get here (every request, in monitor mode).
export default defineEventHandler((event) => {
  const decision = event.context.esper;
  return { hello: 'world', decision: decision?.action, decisionId: decision?.decisionId };
});
