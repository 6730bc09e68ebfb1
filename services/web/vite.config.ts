import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development Vite serves the dashboard and forwards the API to a gateway (`pnpm dev`).
const gateway = process.env.GATEWAY_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(['/api', '/docs', '/admin', '/public', '/app-config.json'].map((path) => [path, { target: gateway }])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
