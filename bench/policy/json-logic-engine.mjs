// The same tenant decided by json-logic-js: each field expression is translated once into
// json-logic, and the surrounding policy logic (actions, rule order, clauses, severity) is the
// same plain loop @esper/policy runs. Only expression evaluation differs, which is what the
// benchmark compares: compiled closures against re-interpreting JSON on every request.

const NUMERIC = /^-?\d+(?:\.\d+)?$/;
const SEVERITY = { Allow: 1, Observe: 2, Challenge: 3, Block: 4 };
const OUTCOME_OF_MODE = { Monitor: 'Observe', Challenge: 'Challenge', Block: 'Block' };
const JS_OP = { Lt: '<', Le: '<=', Gt: '>', Ge: '>=' };

/**
 * Translate a pure-field expression. Faithful to @esper/policy on the benchmark's inputs:
 * numeric literals compare as numbers ("10" > 9), string literals by code units, and a
 * missing field (json-logic's null) is false for everything but Ne.
 */
export function toJsonLogic(e) {
  if (e.And) return { and: e.And.expressions.map(toJsonLogic) };
  if (e.Or) return { or: e.Or.expressions.map(toJsonLogic) };
  if (e.Not) return { '!': [toJsonLogic(e.Not.expression)] };
  if (e.FieldExists) return { '!==': [{ var: e.FieldExists.field_name }, null] };
  if (e.FieldCmp) {
    const { field_name, operator, value } = e.FieldCmp;
    const v = { var: field_name };
    const numeric = NUMERIC.test(value);
    const literal = numeric ? Number(value) : value;
    if (operator === 'Eq') return { [numeric ? '==' : '===']: [v, literal] };
    if (operator === 'Ne') return { [numeric ? '!=' : '!==']: [v, literal] };
    // null < 9 is true in JavaScript; a missing field must be false.
    return { and: [{ '!==': [v, null] }, { [JS_OP[operator]]: [v, literal] }] };
  }
  throw new Error(`json-logic cannot express ${Object.keys(e)[0]}`);
}

export function createJsonLogicEngine(jsonLogic, tenant) {
  const test = (logic, fields) => !!jsonLogic.apply(logic, fields);
  const mitigations = new Map(tenant.mitigations.map((m) => [m.mitigation_id, m]));
  const actions = tenant.actions.map((a) => ({
    id: a.action_id,
    logic: toJsonLogic(a.expression),
  }));
  const rules = tenant.rules
    .filter((r) => r.enabled)
    .sort((a, b) =>
      a.priority !== b.priority ? b.priority - a.priority : a.rule_id < b.rule_id ? -1 : 1,
    )
    .map((r) => ({ id: r.rule_id, outcome: r.outcome, logic: toJsonLogic(r.expression) }));
  const policies = tenant.policies
    .filter((p) => p.enabled)
    .sort((a, b) => (a.policy_id < b.policy_id ? -1 : 1))
    .map((p) => {
      if (p.window || p.clauses?.some((c) => c.window))
        throw new Error('windows are not pure field logic');
      const clauses = p.clauses ?? [{ action_ids: p.action_ids, mitigation_id: p.mitigation_id }];
      return {
        id: p.policy_id,
        logic: p.expression && toJsonLogic(p.expression),
        clauses: clauses.map((c) => ({
          logic: c.match && toJsonLogic(c.match),
          actionIds: c.action_ids ?? [],
          outcome: OUTCOME_OF_MODE[mitigations.get(c.mitigation_id).mode],
        })),
      };
    });

  return function decide(fields) {
    const matched = [];
    for (const a of actions) if (test(a.logic, fields)) matched.push(a.id);
    let winner;
    for (const p of policies) {
      if (p.logic && !test(p.logic, fields)) continue;
      let best;
      for (const c of p.clauses) {
        if (c.logic && !test(c.logic, fields)) continue;
        if (c.actionIds.length > 0 && !c.actionIds.some((id) => matched.includes(id))) continue;
        if (!best || SEVERITY[c.outcome] > SEVERITY[best]) best = c.outcome;
      }
      if (best && (!winner || SEVERITY[best] > SEVERITY[winner.outcome])) {
        winner = { outcome: best, policy_id: p.id };
      }
    }
    for (const r of rules) {
      if (test(r.logic, fields)) {
        if (!winner || SEVERITY[r.outcome] > SEVERITY[winner.outcome]) {
          winner = { outcome: r.outcome, rule_id: r.id };
        }
        break;
      }
    }
    return {
      outcome: winner?.outcome ?? 'Allow',
      policy_id: winner?.policy_id ?? null,
      rule_id: winner?.rule_id,
      matched_actions: matched,
    };
  };
}
