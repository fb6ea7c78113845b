// A realistic tenant for the benchmark: 5 actions, 20 rules, 10 policies (one with a window),
// mixing FieldCmp, And, Or, Not and FieldExists; and a deterministic stream of request fields.

const cmp = (field_name, operator, value) => ({ FieldCmp: { field_name, operator, value } });
const eq = (f, v) => cmp(f, 'Eq', v);
const exists = (field_name) => ({ FieldExists: { field_name } });
const not = (expression) => ({ Not: { expression } });
const and = (...expressions) => ({ And: { expressions } });
const or = (...expressions) => ({ Or: { expressions } });

const actions = [
  {
    action_id: 'login',
    name: 'login',
    expression: and(eq('request_path', '/login'), eq('request_method', 'POST')),
  },
  { action_id: 'signup', name: 'signup', expression: eq('request_path', '/signup') },
  {
    action_id: 'checkout_complete',
    name: 'checkout',
    expression: and(eq('request_path', '/checkout'), eq('request_method', 'POST')),
  },
  {
    action_id: 'view_article',
    name: 'article',
    // A prefix match as a code-unit range: '/articles/' <= path < '/articles0'.
    expression: and(
      cmp('request_path', 'Ge', '/articles/'),
      cmp('request_path', 'Lt', '/articles0'),
    ),
  },
  {
    action_id: 'api_call',
    name: 'api',
    expression: exists('request_header_authorization_present'),
  },
];

const mitigations = [
  { mitigation_id: 'mit_monitor', name: 'Monitor', mode: 'Monitor' },
  { mitigation_id: 'mit_challenge', name: 'Challenge', mode: 'Challenge' },
  { mitigation_id: 'mit_block', name: 'Block', mode: 'Block' },
];

const badAgents = ['sqlmap/1.7', 'nikto/2.5', 'masscan/1.3', 'zgrab/0.x'];
const rules = [
  ['r01', 100, 'Block', or(...badAgents.map((ua) => eq('user_agent', ua)))],
  ['r02', 90, 'Allow', and(eq('trust_level', 'high'), eq('request_path', '/health'))],
  ['r03', 80, 'Challenge', and(exists('email'), not(exists('request_header_cookie_present')))],
  [
    'r04',
    80,
    'Observe',
    or(eq('geo_country', 'XX'), eq('geo_country', 'YY'), eq('geo_country', 'ZZ')),
  ],
  ['r05', 70, 'Block', and(eq('request_method', 'POST'), not(exists('user_agent')))],
  ['r06', 70, 'Challenge', cmp('request_header_content_length', 'Gt', '100000')],
  ['r07', 60, 'Observe', eq('request_query_debug', '1')],
  ['r08', 60, 'Block', and(eq('request_path', '/admin'), cmp('trust_level', 'Ne', 'high'))],
  ['r09', 50, 'Challenge', or(eq('geo_asn', '64512'), eq('geo_asn', '64513'))],
  [
    'r10',
    50,
    'Observe',
    and(exists('request_query_utm_source'), eq('request_query_utm_source', 'spam')),
  ],
  ['r11', 40, 'Block', eq('email', 'flag@example.com')],
  [
    'r12',
    40,
    'Observe',
    and(eq('request_method', 'DELETE'), not(exists('request_header_authorization_present'))),
  ],
  [
    'r13',
    30,
    'Challenge',
    and(cmp('request_header_x_client_version', 'Lt', '3'), exists('account_id')),
  ],
  [
    'r14',
    30,
    'Observe',
    or(eq('request_host', 'staging.example.com'), eq('request_host', 'old.example.com')),
  ],
  ['r15', 20, 'Block', and(eq('request_path', '/wp-login.php'), not(eq('sdk_runtime', 'node')))],
  ['r16', 20, 'Observe', cmp('request_header_accept', 'Eq', '*/*')],
  [
    'r17',
    10,
    'Challenge',
    and(or(eq('request_path', '/login'), eq('request_path', '/signup')), eq('geo_country', 'RU')),
  ],
  ['r18', 10, 'Observe', not(or(eq('request_scheme', 'https'), eq('request_scheme', 'wss')))],
  ['r19', 5, 'Block', and(exists('request_query_cmd'), cmp('request_query_cmd', 'Ne', ''))],
  [
    'r20',
    1,
    'Observe',
    and(eq('request_method', 'PUT'), cmp('request_header_content_length', 'Ge', '1000')),
  ],
].map(([rule_id, priority, outcome, expression]) => ({
  rule_id,
  tenant_id: 'acme',
  name: rule_id,
  enabled: true,
  priority,
  expression,
  outcome,
}));

const windowPolicy = {
  policy_id: 'pol_login_burst',
  name: 'More than 5 logins a minute per IP',
  action_ids: ['login'],
  entity_definition_id: 'sys_client_ip',
  mitigation_id: 'mit_block',
  window: { window_seconds: 60, threshold: { type: 'count', operator: 'Gt', value: 5 } },
  enabled: true,
};

const fieldPolicies = [
  {
    policy_id: 'pol_foo_bar',
    name: 'Watch ?foo=bar',
    expression: exists('request_query_foo'),
    clauses: [{ match: eq('request_query_foo', 'bar'), mitigation_id: 'mit_monitor' }],
    enabled: true,
  },
  {
    policy_id: 'pol_embargo',
    name: 'Embargoed countries',
    expression: or(eq('geo_country', 'KP'), eq('geo_country', 'IR'), eq('geo_country', 'SY')),
    mitigation_id: 'mit_block',
    enabled: true,
  },
  {
    policy_id: 'pol_checkout_nocookie',
    name: 'Checkout without a session cookie',
    expression: not(exists('request_header_cookie_present')),
    action_ids: ['checkout_complete'],
    mitigation_id: 'mit_challenge',
    enabled: true,
  },
  {
    policy_id: 'pol_scrapers',
    name: 'Scraper agents on articles',
    clauses: [
      {
        match: or(eq('user_agent', 'python-requests/2.31'), eq('user_agent', 'curl/8.4.0')),
        action_ids: ['view_article'],
        mitigation_id: 'mit_challenge',
      },
      {
        match: not(exists('user_agent')),
        action_ids: ['view_article'],
        mitigation_id: 'mit_block',
      },
    ],
    enabled: true,
  },
  {
    policy_id: 'pol_api_untrusted',
    name: 'API from low-trust sources',
    expression: cmp('trust_level', 'Ne', 'high'),
    action_ids: ['api_call'],
    mitigation_id: 'mit_monitor',
    enabled: true,
  },
  {
    policy_id: 'pol_signup_disposable',
    name: 'Signup from disposable mail',
    expression: and(
      exists('email'),
      or(eq('email_domain', 'mailinator.com'), eq('email_domain', 'guerrillamail.com')),
    ),
    action_ids: ['signup'],
    mitigation_id: 'mit_challenge',
    enabled: true,
  },
  {
    policy_id: 'pol_large_post',
    name: 'Very large POST bodies',
    expression: and(
      eq('request_method', 'POST'),
      cmp('request_header_content_length', 'Ge', '5000000'),
    ),
    mitigation_id: 'mit_block',
    enabled: true,
  },
  {
    policy_id: 'pol_old_clients',
    name: 'Old app versions',
    clauses: [
      { match: cmp('request_header_x_client_version', 'Lt', '2'), mitigation_id: 'mit_challenge' },
      { match: cmp('request_header_x_client_version', 'Lt', '3'), mitigation_id: 'mit_monitor' },
    ],
    enabled: true,
  },
  {
    policy_id: 'pol_login_foreign',
    name: 'Login from unusual countries',
    expression: not(or(eq('geo_country', 'DE'), eq('geo_country', 'US'), eq('geo_country', 'FR'))),
    action_ids: ['login'],
    mitigation_id: 'mit_monitor',
    enabled: true,
  },
];

/** The realistic tenant: 10 policies (one windowed), 20 rules. */
export const tenant = {
  tenant_id: 'acme',
  actions,
  mitigations,
  rules,
  policies: [windowPolicy, ...fieldPolicies],
};

/**
 * The same tenant with only field logic (what json-logic can express): the windowed policy
 * keeps its action and entity but drops the window.
 */
export const pureTenant = {
  ...tenant,
  policies: [{ ...windowPolicy, window: undefined }, ...fieldPolicies].map((p) => {
    const { window, ...rest } = p;
    return window ? p : rest;
  }),
};

/** Deterministic request fields, shaped like encodeFields output. */
export function makeInputs(n, seed = 42) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const paths = [
    '/',
    '/login',
    '/signup',
    '/checkout',
    '/articles/one',
    '/articles/two',
    '/api/v1/items',
    '/health',
    '/admin',
    '/wp-login.php',
  ];
  const agents = [
    'Mozilla/5.0 (Macintosh)',
    'Mozilla/5.0 (Windows NT 10.0)',
    'curl/8.4.0',
    'python-requests/2.31',
    'sqlmap/1.7',
    undefined,
  ];
  const countries = ['DE', 'US', 'FR', 'GB', 'RU', 'KP', 'XX', 'BR'];
  const inputs = [];
  for (let i = 0; i < n; i++) {
    const f = {
      request_method: pick(['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE']),
      request_scheme: pick(['https', 'https', 'https', 'http']),
      request_host: pick(['app.example.com', 'app.example.com', 'staging.example.com']),
      request_path: pick(paths),
      client_ip: `203.0.113.${Math.floor(rand() * 200)}`,
      source_id: 'web-prod',
      trust_level: pick(['high', 'high', 'low']),
      geo_country: pick(countries),
      geo_asn: pick(['3320', '64512', '15169']),
      sdk_runtime: pick(['node', 'cloudflare-workers', 'vercel-edge']),
      request_header_accept: pick(['text/html', '*/*', 'application/json']),
    };
    f.ip = f.client_ip;
    const ua = pick(agents);
    if (ua !== undefined) {
      f.user_agent = ua;
      f.request_header_user_agent = ua;
    }
    if (rand() < 0.6) f.request_header_cookie_present = 'true';
    if (rand() < 0.3) f.request_header_authorization_present = 'true';
    if (rand() < 0.3) f.request_header_content_length = String(Math.floor(rand() * 10_000_000));
    if (rand() < 0.2) f.request_header_x_client_version = pick(['1', '2', '3', '4']);
    if (rand() < 0.2) f.request_query_foo = pick(['bar', 'baz']);
    if (rand() < 0.05) f.request_query_debug = '1';
    if (rand() < 0.1) f.request_query_utm_source = pick(['spam', 'news']);
    if (rand() < 0.3) {
      f.email = pick(['user@example.com', 'flag@example.com', 'x@mailinator.com']);
      f.email_domain = f.email.split('@')[1];
      f.account_id = `acct-${Math.floor(rand() * 100)}`;
    }
    inputs.push(f);
  }
  return inputs;
}
