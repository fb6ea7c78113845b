import node from '@astrojs/node';
import { defineConfig } from 'astro/config';

// On-demand rendering on Node: `npm run build`, then `npm start` (node dist/server/entry.mjs).
export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
});
