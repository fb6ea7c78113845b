import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

// The same app built the default way, for `react-router-serve` (no custom server, no load
// context): the test shows what the middleware gets there.
export default defineConfig({ plugins: [reactRouter()] });
