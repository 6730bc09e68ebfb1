import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

// In development (`dev`) and standalone (`start`: build, then preview) Vite serves the dashboard
// and forwards the API to a gateway; in production the gateway serves dist/ itself.
const gateway = process.env.GATEWAY_URL ?? 'http://localhost:3000';
const proxy = Object.fromEntries(['/api', '/docs', '/admin', '/public', '/app-config.json'].map((path) => [path, { target: gateway }]));

export default defineConfig({
  // Every text asset is also written as .br and .gz beside it: the gateway sends the one the
  // browser accepts (@fastify/static preCompressed), so nothing is compressed per request.
  plugins: [react(), compression({ algorithms: ['brotliCompress', 'gzip'] })],
  server: { proxy },
  preview: { port: Number(process.env.PORT || 4173), host: process.env.HOST || '127.0.0.1', strictPort: true, proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
