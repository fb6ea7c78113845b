import { esperMiddleware } from '@esper/react-router';
import { Links, Meta, Outlet, Scripts } from 'react-router';

// Decides on every request before loaders and actions run. ESPER_* come from the environment.
export const middleware = [esperMiddleware({ failClosedRoutes: ['/checkout/**'] })];

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}
