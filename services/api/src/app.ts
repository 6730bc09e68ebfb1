import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isDatabaseReachable } from '@autoposter/db';
import { ops, redisReadiness } from '@autoposter/ops';
import { auth } from './plugins/auth.ts';
import { errorHandler } from './plugins/errors.ts';
import { clientErrorHandler, frameworkErrors } from './plugins/framework-errors.ts';
import { services, type ApiServices } from './plugins/services.ts';
import { openApi } from './plugins/swagger.ts';
import { nulCharacters } from './plugins/nul-characters.ts';
import { emptyJsonBody, parseQueryString } from './plugins/request-parsing.ts';
import { validationCompilers } from './plugins/validation.ts';
import { authRoutes } from './routes/auth.ts';
import { accountRoutes } from './routes/accounts.ts';
import { mediaRoutes } from './routes/media.ts';
import { postRoutes } from './routes/posts.ts';
import { postingRoutes } from './routes/posting.ts';
import { jobRoutes } from './routes/jobs.ts';
import { deliveryRoutes } from './routes/deliveries.ts';
import { errorLogRoutes } from './routes/error-logs.ts';
import { artifactRoutes } from './routes/artifacts.ts';
import { accountHealthRoutes } from './routes/account-health.ts';
import { accountSessionRoutes } from './routes/account-sessions.ts';
import { adminQueueRoutes } from './routes/admin-queues.ts';
import { publicMediaRoutes } from './routes/public-media.ts';
import { engine } from './plugins/engine.ts';
import { sessionCheckers } from './plugins/session-checkers.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { platformRoutes } from './routes/platform.ts';
import { postImportRoutes } from './routes/posts-import.ts';
import { dashboardRoutes } from './routes/dashboard.ts';

export interface BuildAppOptions extends ApiServices {
  logger: FastifyServerOptions['loggerInstance'];
  /** Run the dispatch and retention passes in this process (the server does; tests call them directly). */
  periodicPasses?: boolean;
}

/** The gateway as a plugin tree; starting and stopping it is main.ts's job. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    schemaController: validationCompilers(),
    routerOptions: { querystringParser: parseQueryString },
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(services, options);
  await app.register(errorHandler);
  await app.register(emptyJsonBody);
  await app.register(nulCharacters);
  await app.register(openApi);
  await app.register(ops, {
    service: 'api',
    readiness: {
      postgres: () => isDatabaseReachable(options.database.pool),
      redis: redisReadiness(options.redis),
    },
  });
  await app.register(auth, {
    db: options.database.db,
    secret: options.config.auth.jwtSecret,
    ttlSeconds: options.config.auth.jwtTtlSeconds,
    adminEmails: options.config.auth.adminEmails,
  });

  await app.register(engine, { periodicPasses: options.periodicPasses ?? false });

  await app.register(platformRoutes, { prefix: '/api/platform' });
  await app.register(authRoutes, { prefix: '/api/auth' });
  await app.register(accountHealthRoutes, { prefix: '/api/accounts' });
  await app.register(sessionCheckers);
  await app.register(accountRoutes, { prefix: '/api/accounts' });
  await app.register(accountSessionRoutes, { prefix: '/api/accounts' });
  await app.register(mediaRoutes, { prefix: '/api/media' });
  await app.register(publicMediaRoutes, { prefix: '/public/media' });
  await app.register(postRoutes, { prefix: '/api/posts' });
  await app.register(postingRoutes, { prefix: '/api/posts' });
  await app.register(jobRoutes, { prefix: '/api/jobs' });
  await app.register(deliveryRoutes, { prefix: '/api/deliveries' });
  await app.register(errorLogRoutes, { prefix: '/api/error-logs' });
  await app.register(artifactRoutes, { prefix: '/api/artifacts' });
  await app.register(webhookRoutes, { prefix: '/api/webhooks' });
  await app.register(adminQueueRoutes, { prefix: '/admin/queues' });
  await app.register(postImportRoutes, { prefix: '/api/posts' });
  await app.register(dashboardRoutes, { distDir: options.config.dashboard.distDir, notifierUrl: options.config.notifier.publicUrl });

  return app as unknown as FastifyInstance;
}
