import { describe, expect, it } from 'vitest';
import { localeFor, pageLanguage } from './locales.ts';

describe('the interface language of a page', () => {
  it('reads English and Latin American Spanish, whatever the tag says of the region', () => {
    for (const tag of ['en', 'en-US', 'en-GB', 'EN']) expect(localeFor(tag)?.id, tag).toBe('en_US');
    for (const tag of ['es', 'es-419', 'es-MX', 'es_LA']) expect(localeFor(tag)?.id, tag).toBe('es_LA');
  });

  it("refuses Spain's Spanish, whose wording differs from Latin America's, and languages without a table", () => {
    for (const tag of ['es-ES', 'es_ES', 'fr', 'pt-BR', '']) expect(localeFor(tag), tag).toBeNull();
  });

  it("takes the region from Facebook's locale cookie when the tag has none and the cookie is of the same language", () => {
    expect(pageLanguage('es', 'es_ES')).toBe('es_ES');
    expect(pageLanguage('es', 'es_LA')).toBe('es_LA');
    expect(pageLanguage('es-419', 'es_ES')).toBe('es-419');
    expect(pageLanguage('fr', 'en_US')).toBe('fr');
    expect(pageLanguage('es', null)).toBe('es');
    expect(pageLanguage('', 'en_US')).toBe('');
  });
});
