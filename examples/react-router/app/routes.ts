import { index, type RouteConfig, route } from '@react-router/dev/routes';

export default [
  index('routes/home.tsx'),
  route('api/hello', 'routes/api.hello.ts'),
  route('*', 'routes/page.tsx'),
] satisfies RouteConfig;
