import { describe, expect, it } from 'vitest';
import { scrubHtml, secretValues } from './evidence.ts';

describe('scrubHtml', () => {
  it("replaces Facebook's form tokens as hidden inputs, whatever the order of their attributes", () => {
    const html = [
      '<input type="hidden" name="fb_dtsg" value="NAcXyz123:45" autocomplete="off">',
      '<input value="22865" type="hidden" name="jazoest">',
      "<input type='hidden' name='lsd' value='AVqk9Zx0'>",
      '<input type="hidden" name="next" value="/marketplace/">',
    ].join('');
    const scrubbed = scrubHtml(html, []);
    for (const secret of ['NAcXyz123:45', '22865', 'AVqk9Zx0']) expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain('name="fb_dtsg" value="[redacted]"');
    expect(scrubbed).toContain('value="/marketplace/"');
  });

  it('replaces them in the DTSGInitialData and LSD modules, in JSON inside strings and in URLs', () => {
    const html = [
      '<script type="application/json">{"require":[["DTSGInitialData",[],{"token":"NAcDtsgToken"},258],["LSD",[],{"token":"LsdToken9"},323]]}</script>',
      '<script>var s = "{\\"async_get_token\\":\\"AsyncTok\\",\\"xs\\":\\"33%3AxsValue\\"}";</script>',
      '<form action="/ajax/bz?__a=1&amp;fb_dtsg_ag=AgToken&amp;jazoest=24011"></form>',
    ].join('\n');
    const scrubbed = scrubHtml(html, []);
    for (const secret of ['NAcDtsgToken', 'LsdToken9', 'AsyncTok', 'xsValue', 'AgToken', '24011']) expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain('["DTSGInitialData",[],{"token":"[redacted]"},258]');
    expect(scrubbed).toContain('__a=1&amp;fb_dtsg_ag=[redacted]');
  });

  it("replaces a password field's value, not other fields' values", () => {
    const scrubbed = scrubHtml('<input type="text" name="email" value="ana@example.test"><input value="hunter2!" name="pass" type="password">', []);
    expect(scrubbed).not.toContain('hunter2!');
    expect(scrubbed).toContain('value="ana@example.test"');
  });

  it('replaces every cookie value wherever it stands, raw or URL-encoded, and leaves the page otherwise as it was', () => {
    const cookies = [{ value: 'xs-secret:value/1' }, { value: 'short' }];
    const html = '<a href="/x?k=xs-secret%3Avalue%2F1">xs-secret:value/1</a><p data-xsrf="x">Item for sale</p><div class="boxes">short</div>';
    const scrubbed = scrubHtml(html, secretValues(cookies));
    expect(scrubbed).toBe('<a href="/x?k=[redacted]">[redacted]</a><p data-xsrf="x">Item for sale</p><div class="boxes">short</div>');
  });
});
