import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

// Built like the dashboard (same React plugin, same .br/.gz files beside each asset) and served
// by the same gateway from a folder of the dashboard's build, hence the base.
export default defineConfig({
  base: '/bare/',
  plugins: [react(), compression({ algorithms: ['brotliCompress', 'gzip'] })],
  build: { sourcemap: false },
});
