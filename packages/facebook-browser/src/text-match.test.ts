import { describe, expect, it } from 'vitest';
import { sameText, textStartingWith } from './text-match.ts';

describe('sameText', () => {
  it('reads a text as a person does: case, ellipsis, apostrophes, dashes, spacing and trailing marks do not matter', () => {
    expect(sameText('Write something...').test('Write something…')).toBe(true);
    expect(sameText('Add photos').test('Add Photos')).toBe(true);
    expect(sameText('Not now').test('  NOT   now ')).toBe(true);
    expect(sameText('Leave page?').test('Leave page')).toBe(true);
    expect(sameText("What's on your mind").test('What’s on your mind?')).toBe(true);
    expect(sameText('Used - good').test('Used – good')).toBe(true);
    expect(sameText('Photo/video').test('Photo / Video')).toBe(true);
    expect(sameText('Más detalles').test('MÁS DETALLES')).toBe(true);
  });

  it('refuses any other word or letter: "Post" is not "Posts" nor "Post anonymously"', () => {
    for (const other of ['Posts', 'Post anonymously', 'Repost', 'Post settings']) expect(sameText('Post').test(other), other).toBe(false);
    expect(sameText('Publish').test('Publish listing')).toBe(false);
    expect(sameText('Publicar').test('Publicar de forma anónima')).toBe(false);
    expect(sameText('Price').test('Price (optional)')).toBe(false);
  });

  it('treats the characters of a text as text, not as a pattern', () => {
    expect(sameText('Clothing & accessories (new)').test('Clothing & accessories (new)')).toBe(true);
    expect(sameText('a.b').test('axb')).toBe(false);
  });
});

describe('textStartingWith', () => {
  it('takes the text followed by more words, as a prompt is worded per group', () => {
    const prompt = textStartingWith('Write something...');
    expect(prompt.test('Write something...')).toBe(true);
    expect(prompt.test('Write something to the group…')).toBe(true);
    expect(prompt.test('write something, Ana')).toBe(true);
    expect(textStartingWith('Escribe algo...').test('Escribe algo…')).toBe(true);
  });

  it('refuses a longer word and another start', () => {
    expect(textStartingWith('Write something...').test('Write somethings')).toBe(false);
    expect(textStartingWith('Write something...').test('Rewrite something')).toBe(false);
  });
});
