import type { Page } from 'playwright-core';
import { classifyError, PublishError, type Publisher, type PublishAccount, type PublishRequest, type PublishResult, type SessionCheck } from '@autoposter/publisher';
import { BrowserPool } from './browser-pool.ts';
import { sessionUserId, toStoredState, type BrowserCredentials, type StorageState } from './credentials.ts';
import { captureEvidence, withEvidence } from './evidence.ts';
import { LANGUAGE_ELEMENT, PageSession } from './page-session.ts';
import { GroupPage } from './pages/group-page.ts';
import { MarketplaceForm } from './pages/marketplace-form.ts';
import { YourListings } from './pages/your-listings.ts';
import { finalClickState, unknownFinalClick } from './never-twice.ts';
import type { BrowserSettings } from './settings.ts';

export interface FlowCheck {
  ok: boolean;
  missing: string[];
}

export interface BrowserSessionCheck extends SessionCheck {
  flowCheck?: FlowCheck;
}

export interface FacebookBrowserPublisher extends Publisher {
  readonly pool: BrowserPool;
  close(): Promise<void>;
  /** A real logged-in visit; with `flow: 'marketplace'` the create-listing form is opened and every field looked for. */
  checkBrowserSession(account: PublishAccount, options: { flow?: 'marketplace'; signal?: AbortSignal }): Promise<BrowserSessionCheck>;
}

const browserCredentials = (account: PublishAccount): BrowserCredentials => {
  if (account.kind !== 'facebook_browser') throw new PublishError('permission_denied', `A ${account.kind} account cannot post through the browser`);
  return account.credentials as BrowserCredentials;
};

/** What Facebook's item form requires (besides photos, which the gateway requires). */
const missingListingFields = (post: { title: string | null; price: string | null; category: string | null; condition: string | null }) =>
  Object.entries({ 'a title': post.title, 'a price': post.price, 'a category': post.category, 'a condition': post.condition })
    .filter(([, value]) => !value)
    .map(([name]) => name);

/** Marketplace listings and group posts by driving Chromium (see the package README). */
export function createFacebookBrowserPublisher(settings: BrowserSettings, pool = new BrowserPool(settings)): FacebookBrowserPublisher {
  /** Runs `flow` on a fresh page of the account's context; failures come back classified, with evidence. */
  async function onPage<T>(account: PublishAccount, signal: AbortSignal | undefined, flow: (session: PageSession) => Promise<T>): Promise<{ value: T; state: StorageState }> {
    const lease = await pool.acquire(account.id, browserCredentials(account));
    let page: Page | null = null;
    const stop = () => void lease.context.close().catch(() => undefined);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      page = await lease.context.newPage();
      const session = new PageSession(page, settings, signal);
      try {
        const value = await flow(session);
        return { value, state: (await lease.context.storageState()) as StorageState };
      } catch (error) {
        if (signal?.aborted) throw error;
        const failure = error instanceof PublishError ? error : classifyBrowserError(error);
        throw withEvidence(failure, await captureEvidence(page));
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      await page?.close().catch(() => undefined);
      await lease.release({ discard: signal?.aborted ?? false });
    }
  }

  const photoPaths = (request: PublishRequest) => request.post.media.map((m) => m.filePath);

  /**
   * Ids of the account's listings titled `title`, read while the form is filled in a second tab
   * that the form's page opens: opened by it, the tab shares its renderer process (a tab of its
   * own would cost a renderer per account publishing).
   */
  async function listingIdsTitled(session: PageSession, title: string): Promise<string[]> {
    const context = session.page.context();
    const [page] = await Promise.all([context.waitForEvent('page'), session.page.evaluate(() => void window.open('about:blank'))]);
    try {
      const listings = new YourListings(new PageSession(page, settings, session.signal));
      await listings.open();
      return (await listings.titled(title)).map((listing) => listing.id);
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  async function publishListing(request: PublishRequest): Promise<PublishResult> {
    const { post } = request;
    const missing = missingListingFields(post);
    if (missing.length) throw new PublishError('validation_error', `A Marketplace listing needs ${missing.join(', ')}: Facebook's form goes no further without them`);
    const title = post.title!;
    const { value, state } = await onPage(request.account, request.signal, async (session) => {
      const form = new MarketplaceForm(session);
      await form.open();
      const earlier = listingIdsTitled(session, title);
      // Awaited before the click; a failure of the form first must not leave it unhandled.
      earlier.catch(() => undefined);
      await form.fill({
        title,
        price: post.price!,
        category: post.category,
        condition: post.condition,
        description: post.body,
        location: post.location,
        photoPaths: photoPaths(request),
      });
      await form.advanceToPublish();
      const existingIds = await earlier;
      return form.publish(async () => {
        await request.assertStillWanted();
        await request.saveState(finalClickState('marketplace', existingIds, { title }));
      });
    });
    if (value.duplicateNotice) request.log('WARNING', `Facebook says this listing may be a duplicate: "${value.duplicateNotice}"`);
    return { providerPostId: value.id, permalink: value.url, refreshedCredentials: toStoredState(state, settings.baseUrl) };
  }

  async function publishGroupPost(request: PublishRequest): Promise<PublishResult> {
    const groupId = request.targetId;
    if (!groupId) throw new PublishError('validation_error', 'A group post needs the group id (target_id)');
    const text = request.post.body;
    const authorId = sessionUserId(browserCredentials(request.account));
    const { value, state } = await onPage(request.account, request.signal, async (session) => {
      const group = new GroupPage(session);
      await group.open(groupId);
      await group.compose({ groupId, text, photoPaths: photoPaths(request) });
      return group.post({ groupId, text, authorId }, async (existingIds) => {
        await request.assertStillWanted();
        await request.saveState(finalClickState('facebook_group', existingIds, { group_id: groupId }));
      });
    });
    const refreshedCredentials = toStoredState(state, settings.baseUrl);
    if (value.status === 'pending') {
      request.log('INFO', 'The group post is pending admin approval: it shows in the group once an admin approves it');
      return { providerPostId: value.id ?? `pending-${request.deliveryId}`, permalink: null, refreshedCredentials };
    }
    return { providerPostId: value.id, permalink: value.url, refreshedCredentials };
  }

  return {
    channels: ['marketplace', 'facebook_group'],
    pool,

    publish(request) {
      return request.channel === 'marketplace' ? publishListing(request) : publishGroupPost(request);
    },

    async findExisting(request) {
      const { post, account } = request;
      const click = unknownFinalClick(request);
      if (!click) return null;
      const { value } = await onPage(account, request.signal, async (session): Promise<PublishResult | null> => {
        if (request.channel === 'marketplace') {
          if (!post.title) return null;
          const listings = new YourListings(session);
          await listings.open();
          const found = await listings.find(post.title, click.existingIds);
          return found && { providerPostId: found.id, permalink: found.url };
        }
        const groupId = request.targetId!;
        const group = new GroupPage(session);
        await group.open(groupId);
        const posted = await group.findPost(groupId, post.body, sessionUserId(browserCredentials(account)), click.existingIds);
        if (posted?.status === 'posted') return { providerPostId: posted.id, permalink: posted.url };
        const pending = await group.findPending(groupId, post.body);
        return pending && { providerPostId: pending.id ?? `pending-${request.deliveryId}`, permalink: null };
      });
      return value;
    },

    checkSession(account, signal, options = {}) {
      return this.checkBrowserSession(account, { signal, ...options });
    },

    async checkBrowserSession(account, options) {
      try {
        const { value } = await onPage(account, options.signal, async (session) => {
          if (options.flow !== 'marketplace') {
            await session.open('/');
            return { valid: true, message: 'Facebook shows this account logged in' } satisfies BrowserSessionCheck;
          }
          const form = new MarketplaceForm(session);
          await form.open();
          const missing = await form.missingFields();
          return {
            valid: true,
            message: missing.length === 0 ? 'Logged in; the create-listing form has every field the flow needs' : `Logged in, but the create-listing form lacks: ${missing.join(', ')}`,
            flowCheck: { ok: missing.length === 0, missing },
          } satisfies BrowserSessionCheck;
        });
        return value;
      } catch (error) {
        const failure = error instanceof PublishError ? error : classifyBrowserError(error);
        // Logged in (the language is read once the session is known good), but nothing can be posted.
        if (failure.code === LANGUAGE_ELEMENT) {
          return { valid: true, message: `Logged in, but ${failure.message}`, ...(options.flow ? { flowCheck: { ok: false, missing: [LANGUAGE_ELEMENT] } } : {}) };
        }
        const temporary = failure.temporary;
        return { valid: temporary, temporary, errorType: failure.type, message: failure.message };
      }
    },

    close: () => pool.close(),
  };
}

/** A browser failure the page objects did not classify: a crashed browser or page is a network error. */
function classifyBrowserError(error: unknown): PublishError {
  const message = error instanceof Error ? error.message : String(error);
  if (/Target (page, context or browser )?(has been )?closed|browser has been closed|crashed|net::ERR_/i.test(message)) {
    return new PublishError('network_error', `The browser failed: ${message.split('\n')[0]}`, { outcomeUnknown: true, cause: error });
  }
  return classifyError(error);
}
