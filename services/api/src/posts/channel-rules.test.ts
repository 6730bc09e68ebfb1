import { describe, expect, it } from 'vitest';
import { checkChannelRules, limits, ruleSubject, type RuleSubject } from './channel-rules.ts';

const valid: RuleSubject = {
  title: 'Oak table',
  body: 'Solid oak table',
  price: 120,
  currency: 'EUR',
  link: null,
  imageCount: 1,
  hasVideo: false,
};
const fieldsBroken = (channels: Parameters<typeof checkChannelRules>[0], changes: Partial<RuleSubject>) =>
  checkChannelRules(channels, { ...valid, ...changes }).map((issue) => issue.field);

describe('channel rules', () => {
  it('accepts a post that fits every channel', () => {
    expect(checkChannelRules(['marketplace', 'facebook_group', 'facebook_page', 'instagram'], valid)).toEqual([]);
  });

  it.each([
    [{ title: null }, 'title'],
    [{ title: '   ' }, 'title'],
    [{ price: null }, 'price'],
    [{ imageCount: 0, hasVideo: true }, 'media_ids'],
  ])('marketplace refuses %o', (changes, field) => {
    expect(fieldsBroken(['marketplace'], changes)).toEqual([field]);
  });

  it('instagram needs an image or a video', () => {
    expect(fieldsBroken(['instagram'], { imageCount: 0 })).toEqual(['media_ids']);
    expect(fieldsBroken(['instagram'], { imageCount: 0, hasVideo: true })).toEqual([]);
  });

  it('instagram limits the caption length in characters, not UTF-16 units', () => {
    expect(fieldsBroken(['instagram'], { body: '😀'.repeat(limits.instagramCaption) })).toEqual([]);
    expect(fieldsBroken(['instagram'], { body: 'a'.repeat(limits.instagramCaption + 1) })).toEqual(['body']);
  });

  it('instagram allows at most 30 hashtags', () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `#tag${i}`).join(' ');
    expect(fieldsBroken(['instagram'], { body: tags(30) })).toEqual([]);
    expect(checkChannelRules(['instagram'], { ...valid, body: tags(31) })[0]?.message).toContain('30 hashtags');
  });

  it('instagram carousels hold at most 10 items, a video included', () => {
    expect(fieldsBroken(['instagram'], { imageCount: 10 })).toEqual([]);
    expect(fieldsBroken(['instagram'], { imageCount: 10, hasVideo: true })).toEqual(['media_ids']);
  });

  it('facebook_page limits the body', () => {
    expect(fieldsBroken(['facebook_page'], { body: 'a'.repeat(limits.facebookPageBody) })).toEqual([]);
    expect(fieldsBroken(['facebook_page'], { body: 'a'.repeat(limits.facebookPageBody + 1) })).toEqual(['body']);
  });

  it.each(['ftp://example.com/x', 'javascript:alert(1)', 'example.com', 'https://'])('refuses the link %s on any channel', (link) => {
    expect(fieldsBroken(['facebook_group'], { link })).toEqual(['link']);
  });

  it('accepts http and https links', () => {
    expect(fieldsBroken(['facebook_group'], { link: 'http://example.com/a?b=c' })).toEqual([]);
  });

  it.each(['eur', 'EURO', 'E1R', ''])('refuses the currency %j', (currency) => {
    expect(fieldsBroken(['facebook_page'], { currency })).toEqual(['currency']);
  });

  it('reports each broken rule once when a channel is targeted twice', () => {
    expect(fieldsBroken(['marketplace', 'marketplace'], { title: null })).toEqual(['title']);
  });

  it('builds its subject from stored content', () => {
    expect(ruleSubject({ body: 'x', price: '12.50', mediaIds: ['a', 'b'], videoMediaId: null })).toEqual({
      title: null,
      body: 'x',
      price: 12.5,
      currency: null,
      link: null,
      imageCount: 2,
      hasVideo: false,
    });
  });
});
