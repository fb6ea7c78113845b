import type { Config } from '@react-router/dev/config';

export default {
  ssr: true,
  // Route middleware (React Router 7.9+): Esper decides before any loader or action runs.
  future: { v8_middleware: true },
} satisfies Config;
