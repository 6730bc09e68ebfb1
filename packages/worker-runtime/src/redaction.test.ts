import { describe, expect, it } from 'vitest';
import { PublishError } from '@autoposter/publisher';
import { Redactor } from './redaction.ts';

describe('scrubbing an attempt\'s secrets from what it records', () => {
  const browserCredentials = {
    storage_state: { cookies: [{ name: 'xs', value: '48%3Asecret-xs-cookie', domain: '.facebook.com', path: '/' }], origins: [] },
  };

  it('replaces every credential string long enough to be a secret, also URL-encoded', () => {
    const redactor = new Redactor();
    redactor.learnSecretsOf({ page_id: '1001', access_token: 'EAABsecret/token+1' });
    redactor.learnSecretsOf(browserCredentials);
    expect(redactor.text('token EAABsecret/token+1 rejected, url ?t=EAABsecret%2Ftoken%2B1 for page 1001')).toBe(
      'token [redacted] rejected, url ?t=[redacted] for page 1001',
    );
    expect(redactor.text('xs=48%3Asecret-xs-cookie was refused')).toBe('xs=[redacted] was refused');
  });

  it('never takes ids for secrets: a Page post id and an IG user id stay whole', () => {
    const redactor = new Redactor();
    redactor.learnSecretsOf({ page_id: '102938475610293', access_token: 'EAABsecret/token+1' });
    redactor.learnSecretsOf({ ig_user_id: '17841400000000001', access_token: 'IGQsecret-token-2', login: 'instagram' });
    redactor.learnSecretsOf(browserCredentials);
    expect(redactor.text('published 102938475610293_998877 as 17841400000000001 on .facebook.com')).toBe(
      'published 102938475610293_998877 as 17841400000000001 on .facebook.com',
    );
    expect(redactor.text('IGQsecret-token-2 and 48%3Asecret-xs-cookie')).toBe('[redacted] and [redacted]');
  });

  it("keeps a cookie's domain and attributes, so permalinks on facebook.com survive", () => {
    const redactor = new Redactor();
    redactor.learnSecretsOf({
      cookies: [{ name: 'presence_cookie', value: 'EDvF3EtimeF17', domain: '.facebook.com', path: '/marketplace', sameSite: 'no_restriction', storeId: 'firefox-default' }],
    });
    expect(redactor.text('https://www.facebook.com/marketplace/item/123/ (sameSite no_restriction)')).toBe(
      'https://www.facebook.com/marketplace/item/123/ (sameSite no_restriction)',
    );
    expect(redactor.text('presence EDvF3EtimeF17')).toBe('presence [redacted]');
  });

  it('replaces secrets providers and HTTP libraries write into text', () => {
    const redactor = new Redactor();
    expect(redactor.text('GET /me?fields=id&access_token=EAABleaked123&x=1 failed')).toBe(
      'GET /me?fields=id&access_token=[redacted]&x=1 failed',
    );
    expect(redactor.text('{"access_token": "EAABleaked123", "ok": false}')).toBe('{"access_token": "[redacted]", "ok": false}');
    expect(redactor.text('sent Bearer EAABother456 twice')).toBe('sent Bearer [redacted] twice');
    expect(redactor.text('request headers:\nAuthorization: Bearer abc.def\ncookie: c_user=1; xs=2\naccept: json')).toBe(
      'request headers:\nAuthorization: [redacted]\ncookie: [redacted]\naccept: json',
    );
    expect(redactor.text('3 cookies: none expired')).toBe('3 cookies: none expired');
    const once = redactor.text('access_token=EAABleaked123 and Authorization: Bearer x');
    expect(redactor.text(once)).toBe(once);
  });

  it('scrubs log fields by key and by value, and a failure\'s message and stack', () => {
    const redactor = new Redactor();
    redactor.learnSecretsOf({ access_token: 'EAABsecret-token' });
    expect(redactor.fields({ url: 'https://x/?q=EAABsecret-token', access_token: 'whatever', nested: [{ note: 'EAABsecret-token' }] })).toEqual({
      url: 'https://x/?q=[redacted]',
      access_token: '[redacted]',
      nested: [{ note: '[redacted]' }],
    });
    const error = new PublishError('invalid_token', 'token EAABsecret-token expired', { code: 190, retryAfterMs: 5, outcomeUnknown: true });
    const scrubbed = redactor.error(error);
    expect(scrubbed).toMatchObject({ type: 'invalid_token', message: 'token [redacted] expired', code: '190', retryAfterMs: 5, outcomeUnknown: true });
    expect(scrubbed.stack).toContain('PublishError: token [redacted] expired');
    expect(scrubbed.stack).not.toContain('EAABsecret-token');
  });
});
