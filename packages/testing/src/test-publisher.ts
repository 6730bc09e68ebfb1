import {
  PublishError,
  type AccountCredentials,
  type Channel,
  type Publisher,
  type PublishRequest,
  type PublishResult,
} from '@autoposter/publisher';
import type { FakeErrorBody, FakePublishBody } from './fake-provider.ts';

const allChannels: Channel[] = ['marketplace', 'facebook_group', 'facebook_page', 'instagram'];

/** A publisher over real HTTP to the fake provider: what a real one does, minus the real provider. */
export function createTestPublisher(options: { providerUrl: string; channels?: Channel[] }): Publisher {
  const url = (path: string) => new URL(path, options.providerUrl);
  return {
    channels: options.channels ?? allChannels,

    async publish(request) {
      // Saved before the risky step, as a real publisher would: a retry resumes from it.
      await request.saveState({ step: 'submitting', attempt_no: request.attemptNo });
      request.log('INFO', 'Submitting the post to the fake provider', { channel: request.channel });
      const body: FakePublishBody = {
        delivery_id: request.deliveryId,
        attempt_no: request.attemptNo,
        account_id: request.account.id,
        channel: request.channel,
        target_id: request.targetId,
        title: request.post.title,
        body: request.post.body,
        media_count: request.post.media.length + (request.post.video ? 1 : 0),
        saved_state: request.savedState,
      };
      const response = await fetch(url('/posts'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credentialOf(request.account.credentials)}` },
        body: JSON.stringify(body),
        signal: request.signal,
      });
      if (!response.ok) throw toPublishError(response.status, (await response.json()) as FakeErrorBody);
      return toResult(await response.json());
    },

    async findExisting(request: PublishRequest): Promise<PublishResult | null> {
      const query = new URLSearchParams({ delivery_id: request.deliveryId, since: request.since.toISOString() });
      const response = await fetch(url(`/posts/lookup?${query}`), { signal: request.signal });
      if (response.status === 404) return null;
      if (!response.ok) throw new PublishError('provider_unavailable', `lookup failed with HTTP ${response.status}`);
      return toResult(await response.json());
    },
  };
}

function credentialOf(credentials: AccountCredentials): string {
  if ('access_token' in credentials) return credentials.access_token;
  if ('cookies' in credentials) return `cookies:${credentials.cookies.length}`;
  const cookies = (credentials.storage_state.cookies as unknown[] | undefined) ?? [];
  return `cookies:${cookies.length}`;
}

const toResult = (body: unknown): PublishResult => {
  const { id, permalink } = body as { id: string; permalink: string };
  return { providerPostId: id, permalink };
};

function toPublishError(status: number, body: FakeErrorBody): PublishError {
  const { type, message, retry_after_ms, outcome_unknown, screenshot_base64 } = body.error;
  return new PublishError(type, message, {
    code: status,
    ...(retry_after_ms !== undefined ? { retryAfterMs: retry_after_ms } : {}),
    ...(screenshot_base64 ? { screenshot: Buffer.from(screenshot_base64, 'base64') } : {}),
    outcomeUnknown: outcome_unknown ?? false,
  });
}
