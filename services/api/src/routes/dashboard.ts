import { stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** Paths the dashboard never answers: a miss there is the API's own 404. */
const NOT_DASHBOARD = /^\/(api|docs|admin|public)(\/|$)|^\/(healthz|readyz|metrics)$/;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Autoposter</title></head><body>
<h1>The dashboard is not built</h1>
<p>Build it with <code>pnpm --filter @autoposter/web build</code> (it is written to <code>services/web/dist</code>), then reload.
For development, run <code>pnpm --filter @autoposter/web dev</code> and open the address Vite prints.</p>
<p>The API is documented at <a href="/docs">/docs</a>.</p></body></html>`;

function safeDecode(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((found) => found.isFile(), () => false);
}

/**
 * The single-page dashboard (services/web/dist) at `/`: its files, and index.html for any other
 * GET outside the API so the client-side router can take it. `/app-config.json` tells it where
 * the notifier is.
 */
export const dashboardRoutes: FastifyPluginAsync<{ distDir: string; notifierUrl: string }> = async (app, { distDir, notifierUrl }) => {
  const root = resolve(distDir);
  // preCompressed: the build writes .br and .gz beside each text file; the browser gets the one
  // it accepts, or the plain file when there is none.
  await app.register(fastifyStatic, { root, serve: false, cacheControl: false, preCompressed: true });

  app.get('/app-config.json', { schema: { hide: true } }, async () => ({ notifier_url: notifierUrl }));

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = safeDecode(request.url.split('?')[0]!);
    if (path === null || NOT_DASHBOARD.test(path)) return reply.callNotFound();
    const file = resolve(root, `.${path}`);
    const inside = !relative(root, file).startsWith('..') && (file === root || file.startsWith(root + sep));
    if (inside && file !== root && (await isFile(file))) {
      // Vite names built assets by content hash: they never change under the same name.
      const immutable = path.startsWith('/assets/');
      return reply
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .sendFile(relative(root, file), root);
    }
    if (/\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
    if (!(await isFile(join(root, 'index.html')))) return reply.type('text/html').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').type('text/html').sendFile('index.html', root);
  });
};
