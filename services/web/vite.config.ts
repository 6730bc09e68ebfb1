import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development (`dev`) and standalone (`start`: build, then preview) Vite serves the dashboard
// and forwards the API to a gateway; in production the gateway serves dist/ itself.
const gateway = process.env.GATEWAY_URL ?? 'http://localhost:3000';
const proxy = Object.fromEntries(['/api', '/docs', '/admin', '/public', '/app-config.json'].map((path) => [path, { target: gateway }]));

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { port: Number(process.env.PORT || 4173), host: process.env.HOST || '127.0.0.1', strictPort: true, proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
