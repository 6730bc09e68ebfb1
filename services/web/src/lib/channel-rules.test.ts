import { describe, expect, it } from 'vitest';
import { channelHints, type Draft } from './channel-rules.ts';

const jpeg = (width = 1080, height = 1080) => ({ mime: 'image/jpeg', width, height });
const draft = (overrides: Partial<Draft> = {}): Draft => ({ title: '', body: 'Hello', price: '', images: [], video: null, ...overrides });

describe('channel-rule hints', () => {
  it('asks Marketplace for a title, a price and a photo', () => {
    expect(channelHints(['marketplace'], draft()).map((hint) => hint.field)).toEqual(['title', 'price', 'media']);
    expect(channelHints(['marketplace'], draft({ title: 'Chair', price: '25', images: [jpeg()] }))).toEqual([]);
    expect(channelHints(['marketplace'], draft({ title: '   ', price: 'abc', images: [jpeg()] })).map((hint) => hint.field)).toEqual(['title', 'price']);
  });

  it('accepts a price of zero', () => {
    expect(channelHints(['marketplace'], draft({ title: 'Free', price: '0', images: [jpeg()] }))).toEqual([]);
  });

  it('asks Instagram for media within the aspect ratio and the caption limits', () => {
    expect(channelHints(['instagram'], draft())[0]?.message).toMatch(/image or a video/);
    expect(channelHints(['instagram'], draft({ images: [jpeg(1080, 1350)] }))).toEqual([]);
    expect(channelHints(['instagram'], draft({ images: [jpeg(1080, 1920)] }))[0]?.message).toMatch(/aspect ratio/);
    expect(channelHints(['instagram'], draft({ images: [{ mime: 'image/gif' }] }))[0]?.message).toMatch(/JPEG/);
    expect(channelHints(['instagram'], draft({ images: [jpeg()], body: 'x'.repeat(2201) }))[0]?.message).toMatch(/2200 characters/);
    const manyTags = Array.from({ length: 31 }, (_, i) => `#tag${i}`).join(' ');
    expect(channelHints(['instagram'], draft({ images: [jpeg()], body: manyTags }))[0]?.message).toMatch(/30 hashtags/);
    expect(channelHints(['instagram'], draft({ images: Array.from({ length: 11 }, () => jpeg()) }))[0]?.message).toMatch(/at most 10 items/);
  });

  it('counts what a person sees as one character', () => {
    expect(channelHints(['instagram'], draft({ images: [jpeg()], body: '😀'.repeat(2200) }))).toEqual([]);
  });

  it('lets a video alone satisfy Instagram, and asks nothing of groups', () => {
    expect(channelHints(['instagram'], draft({ video: { mime: 'video/mp4' } }))).toEqual([]);
    expect(channelHints(['facebook_group'], draft())).toEqual([]);
  });

  it('names the channel of each hint and counts a channel once', () => {
    const hints = channelHints(['marketplace', 'instagram', 'marketplace'], draft());
    expect(hints.filter((hint) => hint.channel === 'marketplace')).toHaveLength(3);
    expect(hints.filter((hint) => hint.channel === 'instagram')).toHaveLength(1);
  });
});
