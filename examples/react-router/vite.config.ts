import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

// React Router's custom-server layout: the server build's entry is the Express handler in
// server/app.ts, which hands the socket's address to the middleware.
export default defineConfig(({ isSsrBuild }) => ({
  build: { rollupOptions: isSsrBuild ? { input: './server/app.ts' } : undefined },
  plugins: [reactRouter()],
}));
