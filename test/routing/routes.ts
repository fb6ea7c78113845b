/**
 * The routes every routing target's app serves (kept free of Node and vitest imports: the
 * workerd fixtures bundle it). Express adds `express.static` (`/secret.html`, `/css/site.css`).
 */
export const APP_ROUTES = [
  { pattern: '/admin', protected: true },
  { pattern: '/login', protected: true },
  { pattern: '/panel/:file', protected: true },
  { pattern: '/public', protected: false },
] as const;
