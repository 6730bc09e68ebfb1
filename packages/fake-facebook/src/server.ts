import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { pagesOf } from './layouts.ts';
import { checkpointPage, notFoundPage, SELLING_PAGE_SIZE } from './pages.ts';
import { captchaPage, twoStepPage } from './fault-pages.ts';
import { escapeHtml } from './html.ts';
import { FakeState, numericId, parseLayout, type FakeAccount, type Fault, type FormField } from './state.ts';
import { fakeLocales, fakeTexts, places, type FakeLocale } from './texts.ts';

export interface FakeFacebookOptions {
  port?: number;
  host?: string;
  logger?: boolean;
}

export interface FakeFacebook {
  url: string;
  state: FakeState;
  app: FastifyInstance;
  /** Cookies a browser extension (Cookie-Editor) exports for the account, on `.facebook.com`. */
  exportCookies(account: FakeAccount): Record<string, unknown>[];
  /** Lets hung publish calls answer (they end with a 503). */
  releaseHung(): void;
  close(): Promise<void>;
}

const parseCookies = (header: string | undefined) => {
  const cookies = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    cookies.set(name, [...(cookies.get(name) ?? []), decodeURIComponent(part.slice(eq + 1).trim())]);
  }
  return cookies;
};

const isFakeLocale = (value: unknown): value is FakeLocale => fakeLocales.includes(value as FakeLocale);

export function exportCookies(account: FakeAccount): Record<string, unknown>[] {
  const expires = Math.floor(Date.now() / 1000) + 365 * 86_400;
  const cookie = (name: string, value: string, httpOnly: boolean) => ({
    domain: '.facebook.com',
    expirationDate: expires,
    hostOnly: false,
    httpOnly,
    name,
    path: '/',
    sameSite: 'no_restriction',
    secure: true,
    session: false,
    storeId: '0',
    value,
  });
  return [
    cookie('c_user', account.userId, false),
    cookie('xs', account.xs, true),
    cookie('datr', randomBytes(12).toString('base64url'), true),
    cookie('locale', account.locale, false),
  ];
}

/** A Facebook look-alike for tests, the sandbox and benchmarks: see the package README. */
export async function startFakeFacebook(options: FakeFacebookOptions = {}): Promise<FakeFacebook> {
  const state = new FakeState();
  const hung = new Set<() => void>();
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 50 * 1024 * 1024 });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  /** The account whose session cookies came with the request, if they are valid. */
  function sessionOf(request: FastifyRequest): FakeAccount | null {
    const cookies = parseCookies(request.headers.cookie);
    const users = cookies.get('c_user') ?? [];
    state.requests.push({ path: request.url, userId: users[0] ?? null, cookieUsers: users });
    const account = users.length === 1 ? state.accounts.get(users[0]!) : undefined;
    if (!account || !(cookies.get('xs') ?? []).includes(account.xs)) return null;
    return account;
  }

  /** The pages of the layout of the account the request names by its `c_user`, even with a stale `xs` (the login page). */
  const pagesFor = (request: FastifyRequest) => {
    const userId = parseCookies(request.headers.cookie).get('c_user')?.[0];
    return pagesOf(state.layoutOf((userId && state.accounts.get(userId)) || null));
  };

  const localeOf = (request: FastifyRequest): FakeLocale => {
    const fromQuery = (request.query as Record<string, unknown>).locale;
    if (isFakeLocale(fromQuery)) return fromQuery;
    const fromCookie = parseCookies(request.headers.cookie).get('locale')?.[0];
    return isFakeLocale(fromCookie) ? fromCookie : 'en_US';
  };

  const html = (reply: FastifyReply, body: string, status = 200) => {
    // Facebook rotates cookies as you browse: a saved storage state comes back changed.
    reply.header('set-cookie', `fr=${randomBytes(16).toString('base64url')}; Path=/; HttpOnly; SameSite=Lax`);
    return reply.code(status).type('text/html; charset=utf-8').send(body);
  };

  /** A page behind login: the account, or a redirect to where Facebook would send this person. */
  function pageSession(request: FastifyRequest, reply: FastifyReply): FakeAccount | null {
    const account = sessionOf(request);
    const next = encodeURIComponent(request.url);
    if (!account || state.fault(account.userId, 'session_expired')) {
      void reply.redirect(`/login/?next=${next}`);
      return null;
    }
    const loggedOut = state.fault(account.userId, 'logged_out_in_place');
    if (loggedOut) {
      void showLoggedOut(request, reply, account.locale, loggedOut);
      return null;
    }
    const checkpoint = state.fault(account.userId, 'checkpoint', false);
    if (checkpoint) {
      void reply.redirect(`${checkpointPath(checkpoint)}?next=${next}`);
      return null;
    }
    if (state.fault(account.userId, 'captcha')) {
      void html(reply, captchaPage(account.locale));
      return null;
    }
    return account;
  }

  const checkpointPath = (fault: Extract<Fault, { kind: 'checkpoint' }>) => (fault.two_step ? '/two_step_verification/authentication/' : '/checkpoint/');

  /** A logged-out visitor's view of the page, at its own address (see the `logged_out_in_place` fault). */
  function showLoggedOut(request: FastifyRequest, reply: FastifyReply, locale: FakeLocale, fault: Extract<Fault, { kind: 'logged_out_in_place' }>) {
    if (fault.clear_cookies) reply.header('set-cookie', ['c_user=; Path=/; Max-Age=0', 'xs=; Path=/; Max-Age=0']);
    return html(reply, fault.as_visitor ? notFoundPage(locale) : pagesFor(request).loginPage(locale, request.url));
  }

  function apiSession(request: FastifyRequest, reply: FastifyReply): FakeAccount | null {
    const account = sessionOf(request);
    if (!account || state.fault(account.userId, 'session_expired')) {
      void reply.code(401).send({ error: 'not logged in' });
      return null;
    }
    if (state.fault(account.userId, 'checkpoint', false)) {
      void reply.code(403).send({ error: 'checkpoint' });
      return null;
    }
    return account;
  }

  /** Stores first, then never answers: the caller cannot know the write happened. */
  const hang = (reply: FastifyReply) =>
    new Promise<void>((resolve) => {
      const release = () => {
        hung.delete(release);
        resolve();
      };
      hung.add(release);
      reply.raw.once('close', release);
    }).then(() => reply.code(503).send({ error: 'hung call released' }));

  const slowPublish = async (account: FakeAccount) => {
    const slow = state.fault(account.userId, 'slow_publish');
    if (slow) await new Promise((resolve) => setTimeout(resolve, slow.ms));
  };

  app.get('/login/', async (request, reply) => {
    const next = String((request.query as Record<string, unknown>).next ?? '/');
    return html(reply, pagesFor(request).loginPage(localeOf(request), next));
  });
  app.post('/login/', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    const next = String((request.query as Record<string, unknown>).next ?? '/');
    const account = [...state.accounts.values()].find((a) => a.email !== null && a.email === body.email && a.password === body.pass);
    if (!account) return html(reply, pagesFor(request).loginPage(localeOf(request), next, fakeTexts[localeOf(request)].login.wrong), 401);
    reply.header('set-cookie', [
      `c_user=${account.userId}; Path=/; SameSite=Lax`,
      `xs=${account.xs}; Path=/; HttpOnly; SameSite=Lax`,
      `locale=${account.locale}; Path=/`,
    ]);
    state.clearFaults(account.userId, 'session_expired');
    const checkpoint = state.fault(account.userId, 'checkpoint', false);
    return reply.redirect(checkpoint ? checkpointPath(checkpoint) : next.startsWith('/') ? next : '/');
  });

  app.get('/checkpoint/', async (request, reply) => {
    const account = sessionOf(request);
    return html(reply, checkpointPage(account?.locale ?? localeOf(request)));
  });
  app.get('/two_step_verification/authentication/', async (request, reply) => {
    const account = sessionOf(request);
    return html(reply, twoStepPage(account?.locale ?? localeOf(request)));
  });

  /** The person confirmed who they are: the checkpoint is lifted. */
  app.post('/checkpoint/', async (request, reply) => {
    const account = sessionOf(request);
    if (!account) return reply.redirect('/login/');
    state.clearFaults(account.userId, 'checkpoint');
    return reply.redirect('/');
  });

  app.get('/', async (request, reply) => {
    const account = pageSession(request, reply);
    return account && html(reply, pagesFor(request).homePage(account));
  });

  app.get('/marketplace/', async (request, reply) => {
    const account = pageSession(request, reply);
    return account && reply.redirect('/marketplace/you/selling/');
  });

  app.get('/marketplace/create/item', async (request, reply) => {
    const account = pageSession(request, reply);
    if (!account) return;
    const renamed: Partial<Record<FormField, string>> = {};
    const rename = state.fault(account.userId, 'renamed_field', false);
    if (rename) renamed[rename.field] = rename.label ?? `${rename.field[0]!.toUpperCase()}${rename.field.slice(1)} (new)`;
    const leaveDialog = state.fault(account.userId, 'leave_dialog') !== null;
    return html(reply, pagesFor(request).createItemPage(account, { renamed, leaveDialog }));
  });

  app.get('/marketplace/you/selling/', async (request, reply) => {
    const account = pageSession(request, reply);
    return account && html(reply, pagesFor(request).sellingPage(account, state.listingsOf(account.userId)));
  });

  app.get('/marketplace/item/:id/', async (request, reply) => {
    const account = pageSession(request, reply);
    if (!account) return;
    const listing = state.listings.find((l) => l.id === (request.params as { id: string }).id);
    if (!listing) return html(reply, notFoundPage(account.locale), 404);
    const duplicate = listing.userId === account.userId && state.listings.some((l) => l !== listing && l.userId === account.userId && l.title === listing.title);
    return html(reply, pagesFor(request).itemPage(account, listing, duplicate));
  });

  app.get('/groups/:id/', async (request, reply) => {
    const account = pageSession(request, reply);
    if (!account) return;
    const group = state.groups.get((request.params as { id: string }).id);
    if (!group) return html(reply, notFoundPage(account.locale), 404);
    const posts = state.groupPosts.filter((p) => p.groupId === group.id && p.status === 'posted').reverse().slice(0, 20);
    const authors = new Map([...state.accounts.values()].map((a) => [a.userId, a.name]));
    return html(reply, pagesFor(request).groupPage(account, group, posts, authors));
  });
  app.get('/groups/:id', async (request, reply) => reply.redirect(`/groups/${(request.params as { id: string }).id}/`));

  app.get('/groups/:id/posts/:postId/', async (request, reply) => {
    const account = pageSession(request, reply);
    if (!account) return;
    const { id, postId } = request.params as { id: string; postId: string };
    const group = state.groups.get(id);
    const post = state.groupPosts.find((p) => p.id === postId && p.groupId === id && p.status === 'posted');
    if (!group || !post) return html(reply, notFoundPage(account.locale), 404);
    return html(reply, pagesFor(request).groupPostPage(account, group, post, state.accounts.get(post.userId)?.name ?? 'Someone'));
  });

  app.get('/groups/:id/my_pending_content/', async (request, reply) => {
    const account = pageSession(request, reply);
    if (!account) return;
    const group = state.groups.get((request.params as { id: string }).id);
    if (!group) return html(reply, notFoundPage(account.locale), 404);
    const posts = state.groupPosts.filter((p) => p.groupId === group.id && p.status === 'pending' && p.userId === account.userId).reverse();
    return html(reply, pagesFor(request).pendingPage(account, group, posts));
  });

  // --- what the pages' scripts call
  app.post('/api/upload', async (request, reply) => {
    const account = apiSession(request, reply);
    if (!account) return;
    const slow = state.fault(account.userId, 'slow_upload');
    if (slow) await new Promise((resolve) => setTimeout(resolve, slow.ms));
    else await new Promise((resolve) => setTimeout(resolve, 100));
    const token = randomBytes(8).toString('hex');
    state.uploads.set(token, account.userId);
    return { token, bytes: (request.body as Buffer | undefined)?.length ?? 0 };
  });

  app.get('/api/places', async (request) => {
    const q = String((request.query as Record<string, unknown>).q ?? '').trim().toLowerCase();
    const city = q.split(',')[0]!.trim();
    if (city.length < 2) return [];
    return places.filter((p) => p.toLowerCase().startsWith(city) || p.toLowerCase().split(',')[0]!.includes(city));
  });

  const ownPhotos = (account: FakeAccount, photos: unknown) =>
    Array.isArray(photos) ? photos.filter((t) => state.uploads.get(String(t)) === account.userId).length : 0;

  app.post('/api/marketplace/items', async (request, reply) => {
    const account = apiSession(request, reply);
    if (!account) return;
    if (state.fault(account.userId, 'block')) return { blocked: true };
    await slowPublish(account);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const listing = {
      id: numericId(),
      userId: account.userId,
      title: String(body.title ?? ''),
      price: String(body.price ?? ''),
      category: String(body.category ?? ''),
      condition: String(body.condition ?? ''),
      description: String(body.description ?? ''),
      location: String(body.location ?? ''),
      photoCount: ownPhotos(account, body.photos),
      boosted: body.boosted === true,
      createdAt: new Date().toISOString(),
    };
    state.listings.push(listing);
    if (state.fault(account.userId, 'publish_hang')) return hang(reply);
    return { id: listing.id };
  });

  app.get('/api/marketplace/selling', async (request, reply) => {
    const account = apiSession(request, reply);
    if (!account) return;
    const offset = Number((request.query as Record<string, unknown>).offset ?? 0);
    return state
      .listingsOf(account.userId)
      .slice(offset, offset + SELLING_PAGE_SIZE)
      .map((l) => ({ id: l.id, title: l.title, price: l.price }));
  });

  app.post('/api/groups/:id/posts', async (request, reply) => {
    const account = apiSession(request, reply);
    if (!account) return;
    const group = state.groups.get((request.params as { id: string }).id);
    if (!group) return reply.code(404).send({ error: 'no such group' });
    if (state.fault(account.userId, 'block')) return { blocked: true };
    await slowPublish(account);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const post = {
      id: numericId(),
      groupId: group.id,
      userId: account.userId,
      text: String(body.text ?? ''),
      photoCount: ownPhotos(account, body.photos),
      status: group.approval ? ('pending' as const) : ('posted' as const),
      createdAt: new Date().toISOString(),
    };
    state.groupPosts.push(post);
    if (state.fault(account.userId, 'publish_hang')) return hang(reply);
    return { id: post.id, status: post.status, text: post.text };
  });

  /** The `interface_language` fault: the account's pages declare another `<html lang>`. */
  app.addHook('onSend', async (request, _reply, payload) => {
    if (typeof payload !== 'string' || !payload.startsWith('<!DOCTYPE html>')) return payload;
    const userId = parseCookies(request.headers.cookie).get('c_user')?.[0];
    const fault = userId ? state.fault(userId, 'interface_language', false) : null;
    return fault ? payload.replace(/<html lang="[^"]*"/, `<html lang="${escapeHtml(fault.lang)}"`) : payload;
  });

  registerControl(app, state, () => [...hung].forEach((release) => release()));
  // Like every service of the stack, for container health checks.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.setNotFoundHandler(async (request, reply) => html(reply, notFoundPage(localeOf(request)), 404));

  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return {
    url: address.replace('0.0.0.0', '127.0.0.1'),
    state,
    app,
    exportCookies,
    releaseHung: () => [...hung].forEach((release) => release()),
    close: async () => {
      [...hung].forEach((release) => release());
      await app.close();
    },
  };
}

/** The control API: what a test or a person scripting the fake over HTTP uses. */
function registerControl(app: FastifyInstance, state: FakeState, releaseHung: () => void) {
  app.register(
    async (control) => {
      control.post('/accounts', async (request, reply) => {
        const { layout: layoutName, next_steps: nextSteps, ...body } = (request.body ?? {}) as Omit<Partial<FakeAccount>, 'layout'> & { layout?: unknown; next_steps?: unknown };
        if (body.locale !== undefined && !isFakeLocale(body.locale)) return reply.code(400).send({ error: `locale must be one of ${fakeLocales.join(', ')}` });
        const layout = layoutName === undefined ? null : parseLayout({ layout: layoutName, next_steps: nextSteps });
        if (typeof layout === 'string') return reply.code(400).send({ error: layout });
        const account = state.addAccount({ ...body, layout });
        return reply.code(201).send({ ...account, cookies: exportCookies(account) });
      });
      /** The layout of one account (`user_id`), or of every account without its own. */
      control.post('/layout', async (request, reply) => {
        const body = (request.body ?? {}) as { user_id?: string; layout?: unknown; next_steps?: unknown };
        const layout = parseLayout(body);
        if (typeof layout === 'string') return reply.code(400).send({ error: layout });
        if (body.user_id === undefined) state.layout = layout;
        else {
          const account = state.accounts.get(body.user_id);
          if (!account) return reply.code(400).send({ error: 'user_id must be a seeded account' });
          account.layout = layout;
        }
        return reply.code(204).send();
      });
      control.get('/accounts/:userId', async (request, reply) => {
        const account = state.accounts.get((request.params as { userId: string }).userId);
        if (!account) return reply.code(404).send({ error: 'No such account' });
        return { ...account, cookies: exportCookies(account) };
      });
      control.post('/groups', async (request, reply) => reply.code(201).send(state.addGroup((request.body ?? {}) as object)));
      control.post('/faults', async (request, reply) => {
        const body = (request.body ?? {}) as { user_id?: string; fault?: Fault; times?: number };
        if (!body.user_id || !state.accounts.has(body.user_id)) return reply.code(400).send({ error: 'user_id must be a seeded account' });
        if (!body.fault?.kind) return reply.code(400).send({ error: 'fault.kind is required' });
        state.script(body.user_id, body.fault, body.times);
        return reply.code(204).send();
      });
      control.delete('/faults', async (request, reply) => {
        state.clearFaults((request.query as { user_id?: string }).user_id);
        return reply.code(204).send();
      });
      /** Seeds old listings (a long "Your listings" for the scrolling read-back). */
      control.post('/listings', async (request, reply) => {
        const { user_id: userId, count = 1, title = 'Old listing' } = (request.body ?? {}) as { user_id: string; count?: number; title?: string };
        for (let i = 0; i < count; i++) {
          state.listings.push({
            id: numericId(),
            userId,
            title: `${title} ${i + 1}`,
            price: '$10',
            category: 'Tools',
            condition: 'New',
            description: '',
            location: '',
            photoCount: 1,
            boosted: false,
            createdAt: new Date(Date.now() - 86_400_000).toISOString(),
          });
        }
        return reply.code(201).send({ count });
      });
      control.get('/listings', async (request) => {
        const userId = (request.query as { user_id?: string }).user_id;
        return state.listings.filter((l) => !userId || l.userId === userId);
      });
      control.get('/group-posts', async (request) => {
        const groupId = (request.query as { group_id?: string }).group_id;
        return state.groupPosts.filter((p) => !groupId || p.groupId === groupId);
      });
      control.get('/requests', async () => state.requests);
      control.post('/release', async (_request, reply) => {
        releaseHung();
        return reply.code(204).send();
      });
      control.post('/reset', async (_request, reply) => {
        state.reset();
        return reply.code(204).send();
      });
    },
    { prefix: '/__control' },
  );
}
