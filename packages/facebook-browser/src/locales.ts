/**
 * What Facebook shows, per interface language: the only place a visible text is written.
 * The page objects look elements up by these (roles, accessible names, texts), never by CSS
 * paths, ids or aria-label selectors. Adding a language is adding a table here.
 *
 * Categories and conditions are keyed by their English (US) names, which is what posts carry.
 */
export interface LocaleTexts {
  /** The language as Facebook's settings name it. */
  name: string;
  /** `<html lang>` values that mean this table (the first part, lower case). */
  htmlLang: string;
  /**
   * Regions of the language whose Facebook wording differs from this table's: a page in one of
   * them is refused rather than read with it (Spain's Spanish says "Añadir fotos", "Foto/vídeo").
   */
  otherRegions?: string[];
  marketplaceForm: {
    addPhotos: string;
    title: string;
    price: string;
    category: string;
    condition: string;
    description: string;
    moreDetails: string;
    location: string;
    next: string;
    publish: string;
    boostSwitch: string;
    /** The dialog offering to boost after publishing, and its dismiss button. */
    boostDialog: RegExp;
    notNow: string;
    /** A "Leave page?" dialog, its stay and leave buttons. */
    leaveDialog: RegExp;
    stay: string;
    leave: string;
    uploading: RegExp;
  };
  /** Facebook's warning that a listing duplicates an earlier one. */
  duplicateNotice: RegExp;
  yourListings: string;
  group: {
    writeSomething: string;
    createPost: string;
    photoVideo: string;
    post: string;
    pending: RegExp;
  };
  /** Notices that mean the account is being held back (rate limited) by Facebook. */
  block: RegExp;
  /** A captcha or an identity check on the page. */
  captcha: RegExp;
  login: { email: string; password: string; submit: string };
  categories: Record<string, string>;
  conditions: Record<string, string>;
}

export type LocaleId = 'en_US' | 'es_LA';

const enUS: LocaleTexts = {
  name: 'English (US)',
  htmlLang: 'en',
  marketplaceForm: {
    addPhotos: 'Add photos',
    title: 'Title',
    price: 'Price',
    category: 'Category',
    condition: 'Condition',
    description: 'Description',
    moreDetails: 'More details',
    location: 'Location',
    next: 'Next',
    publish: 'Publish',
    boostSwitch: 'Boost listing',
    boostDialog: /boost your listing/i,
    notNow: 'Not now',
    leaveDialog: /leave (this )?page\?/i,
    stay: 'Stay on page',
    leave: 'Leave page',
    uploading: /uploading/i,
  },
  duplicateNotice: /duplicate listing|looks like one you already posted|similar to (one|a listing) you/i,
  yourListings: 'Your listings',
  group: {
    writeSomething: 'Write something...',
    createPost: 'Create post',
    photoVideo: 'Photo/video',
    post: 'Post',
    pending: /pending (admin )?approval|is pending/i,
  },
  block: /you['’]re going too fast|you can['’]t use this feature right now|temporarily blocked|you['’]re temporarily restricted/i,
  captcha: /enter the (characters|code) you see|security check|confirm (your identity|it['’]s you)|captcha/i,
  login: { email: 'Email or phone number', password: 'Password', submit: 'Log in' },
  categories: {
    Tools: 'Tools',
    Furniture: 'Furniture',
    Household: 'Household',
    Garden: 'Garden',
    Appliances: 'Appliances',
    Electronics: 'Electronics',
    'Clothing & accessories': 'Clothing & accessories',
    'Toys & games': 'Toys & games',
  },
  conditions: { New: 'New', 'Used - like new': 'Used - like new', 'Used - good': 'Used - good', 'Used - fair': 'Used - fair' },
};

const esLA: LocaleTexts = {
  name: 'Español (Latinoamérica)',
  htmlLang: 'es',
  otherRegions: ['ES'],
  marketplaceForm: {
    addPhotos: 'Agregar fotos',
    title: 'Título',
    price: 'Precio',
    category: 'Categoría',
    condition: 'Estado',
    description: 'Descripción',
    moreDetails: 'Más detalles',
    location: 'Ubicación',
    next: 'Siguiente',
    publish: 'Publicar',
    boostSwitch: 'Promocionar publicación',
    boostDialog: /promocionar tu publicación/i,
    notNow: 'Ahora no',
    leaveDialog: /salir de (la|esta) página\?/i,
    stay: 'Permanecer en la página',
    leave: 'Salir de la página',
    uploading: /subiendo/i,
  },
  duplicateNotice: /publicación duplicada|se parece a una que ya publicaste|similar a (una|otra) que ya/i,
  yourListings: 'Tus publicaciones',
  group: {
    writeSomething: 'Escribe algo...',
    createPost: 'Crear publicación',
    photoVideo: 'Foto/video',
    post: 'Publicar',
    pending: /pendiente de aprobación|está pendiente/i,
  },
  block: /vas demasiado rápido|no puedes usar esta función en este momento|bloquead[oa] temporalmente|restringid[oa] temporalmente/i,
  captcha: /ingresa los caracteres|control de seguridad|confirma (tu identidad|que eres tú)|captcha/i,
  login: { email: 'Correo electrónico o número de teléfono', password: 'Contraseña', submit: 'Iniciar sesión' },
  categories: {
    Tools: 'Herramientas',
    Furniture: 'Muebles',
    Household: 'Artículos para el hogar',
    Garden: 'Jardín',
    Appliances: 'Electrodomésticos',
    Electronics: 'Electrónica',
    'Clothing & accessories': 'Ropa y accesorios',
    'Toys & games': 'Juguetes y juegos',
  },
  conditions: { New: 'Nuevo', 'Used - like new': 'Usado - Como nuevo', 'Used - good': 'Usado - Buen estado', 'Used - fair': 'Usado - Aceptable' },
};

export const locales: Record<LocaleId, LocaleTexts> = { en_US: enUS, es_LA: esLA };

export interface Locale {
  id: LocaleId;
  texts: LocaleTexts;
}

export const englishUS: Locale = { id: 'en_US', texts: enUS };

/**
 * The page's language as precisely as it is known: `<html lang>`, with the region of Facebook's
 * `locale` cookie when the tag has none and the cookie is of the same language ("es" and
 * "es_ES" make "es_ES").
 */
export function pageLanguage(htmlLang: string, localeCookie: string | null): string {
  if (/[-_]/.test(htmlLang) || !htmlLang || !localeCookie) return htmlLang;
  return localeCookie.toLowerCase().startsWith(`${htmlLang.toLowerCase()}_`) ? localeCookie : htmlLang;
}

/** The table for a language tag ("en", "es-419", "es_LA"); null when no table has the language, or its region's wording differs. */
export function localeFor(tag: string): Locale | null {
  const [language = '', region] = tag.split(/[-_]/);
  for (const [id, texts] of Object.entries(locales) as [LocaleId, LocaleTexts][]) {
    if (texts.htmlLang !== language.toLowerCase()) continue;
    return region && texts.otherRegions?.includes(region.toUpperCase()) ? null : { id, texts };
  }
  return null;
}

/** "French (fr)", "Spanish (Spain) (es_ES)": a language tag as a person reads it. */
export function languageName(tag: string): string {
  try {
    return `${new Intl.DisplayNames(['en'], { type: 'language', languageDisplay: 'standard' }).of(tag.replace('_', '-'))} (${tag})`;
  } catch {
    return `"${tag}"`;
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exactlyOneOf = (texts: string[]) => new RegExp(`^(?:${texts.map(escapeRegExp).join('|')})$`, 'i');

/** The login form's password field and button in any shipped language: Facebook may show it in place of a page. */
export const anyLoginPassword = exactlyOneOf(Object.values(locales).map((l) => l.login.password));
export const anyLoginSubmit = exactlyOneOf(Object.values(locales).map((l) => l.login.submit));

/** Block and captcha notices in any shipped language (checked before the page's language is known). */
export const anyBlock = new RegExp(Object.values(locales).map((l) => l.block.source).join('|'), 'i');
export const anyCaptcha = new RegExp(Object.values(locales).map((l) => l.captcha.source).join('|'), 'i');

/** A post's English (US) option name in the account's language; a name the table lacks is used as given. */
export function optionName(table: Record<string, string>, english: string): string {
  const key = Object.keys(table).find((k) => k.toLowerCase() === english.trim().toLowerCase());
  return key ? table[key]! : english;
}
