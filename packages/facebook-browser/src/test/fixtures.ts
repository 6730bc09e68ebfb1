import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { samplePng } from '@autoposter/media/test-samples';
import type { FakeAccount, FakeFacebook } from '@autoposter/fake-facebook';
import type { Channel, LogLevel, PublishAccount, PublishPost, PublishRequest } from '@autoposter/publisher';

const photoDir = mkdtempSync(join(tmpdir(), 'fb-photos-'));

/** PNG files on disk, as the media store keeps them. */
export function photoFiles(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const path = join(photoDir, `photo-${randomUUID()}-${i}.png`);
    writeFileSync(path, samplePng(40 + i, 30));
    return path;
  });
}

/** The account as the worker gets it: cookies exported by a browser extension for `.facebook.com`. */
export function publishAccount(fake: FakeFacebook, account: FakeAccount, id = randomUUID()): PublishAccount {
  return { id, kind: 'facebook_browser', name: account.name, credentials: { cookies: fake.exportCookies(account) } };
}

export interface RecordedRequest extends PublishRequest {
  logs: { level: LogLevel; message: string }[];
  saved: Record<string, unknown>[];
}

export function publishRequest(
  account: PublishAccount,
  post: Partial<PublishPost> & { body: string },
  options: { channel?: Channel; targetId?: string | null; photos?: number; signal?: AbortSignal } = {},
): RecordedRequest {
  const logs: RecordedRequest['logs'] = [];
  const saved: Record<string, unknown>[] = [];
  const media = photoFiles(options.photos ?? 2).map((filePath, i) => ({
    id: randomUUID(),
    mime: 'image/png',
    sizeBytes: 100,
    width: 40 + i,
    height: 30,
    filePath,
    publicUrl: 'http://127.0.0.1/unused',
  }));
  return {
    deliveryId: randomUUID(),
    channel: options.channel ?? 'marketplace',
    targetId: options.targetId ?? null,
    attemptNo: 1,
    since: new Date(),
    post: {
      id: randomUUID(),
      title: null,
      price: null,
      currency: 'USD',
      category: null,
      condition: null,
      location: null,
      link: null,
      media,
      video: null,
      ...post,
    },
    account,
    signal: options.signal ?? new AbortController().signal,
    savedState: null,
    saveState: async (state) => void saved.push(state),
    assertStillWanted: async () => undefined,
    log: (level, message) => void logs.push({ level, message }),
    logs,
    saved,
  };
}
