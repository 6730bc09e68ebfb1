import { randomBytes } from 'node:crypto';
import type { LayoutName } from './state.ts';
import { htmlLang, type FakeLocale } from './texts.ts';

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Ids as React makes them: different on every load, so nothing may rely on them. */
export function idMaker(): () => string {
  const seed = randomBytes(2).toString('hex');
  let n = 0;
  return () => `_r_${seed}${(n++).toString(36)}_`;
}

/** JSON safe inside a <script type="application/json">. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export interface PageParts {
  locale: FakeLocale;
  /** Which markup wraps the page (see `Layout` in state.ts); classic when absent. */
  shell?: LayoutName;
  title: string;
  /** Banner links for a logged-in person; none on the login and checkpoint pages. */
  navigation?: { home: string; marketplace: string } | null;
  main: string;
  /** Rendered after main, as React portals are (dialogs, listboxes). */
  portals?: string;
  data?: unknown;
  script?: string;
  /** The account's `fb_dtsg`: logged-in pages embed it (and `lsd`, `jazoest`) as Facebook's do. */
  formToken?: string;
}

const style = `
body{font-family:Helvetica,Arial,sans-serif;margin:0;background:#f0f2f5}
[role=banner]{background:#fff;padding:8px 16px;display:flex;gap:16px}
[role=main]{max-width:720px;margin:16px auto;background:#fff;padding:16px;min-height:400px}
.x1n2onr6{display:block;margin:12px 0}
.x1n2onr6 input,.x1n2onr6 textarea{display:block;width:100%;padding:8px}
[role=button],[role=switch],[role=combobox]{display:inline-block;padding:6px 12px;border:1px solid #ccd;border-radius:6px;cursor:pointer;margin:4px 0}
[role=button][aria-disabled=true]{opacity:.4;cursor:not-allowed}
[role=listbox]{position:absolute;background:#fff;border:1px solid #ccd;z-index:20;min-width:240px}
[role=option]{padding:6px 12px;cursor:pointer}
.x9f619{position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:10;display:flex;align-items:center;justify-content:center}
[role=dialog]{background:#fff;padding:16px;min-width:420px;z-index:11}
[role=textbox][contenteditable]{min-height:80px;border:1px solid #ccd;padding:8px}
[role=listitem]{min-height:120px;border-bottom:1px solid #eee}
[role=article]{border-bottom:1px solid #eee;padding:8px 0}
[hidden]{display:none!important}
`;

export function renderPage(parts: PageParts): string {
  const page = parts.shell === 'alt' ? altShell(parts) : classicShell(parts);
  return `<!DOCTYPE html>
<html lang="${htmlLang[parts.locale]}" dir="ltr" id="facebook"><head><meta charset="utf-8"><title>${escapeHtml(parts.title)}</title><style>${parts.shell === 'alt' ? altStyle : style}</style></head>
<body>${page}${formTokens(parts.formToken)}
${parts.data === undefined ? '' : `<script type="application/json" id="page-data">${scriptJson(parts.data)}</script>`}
${parts.script ? `<script>${parts.script}</script>` : ''}
</body></html>`;
}

function classicShell(parts: PageParts): string {
  const nav = parts.navigation
    ? `<div role="banner"><a href="/" aria-current="page">${escapeHtml(parts.navigation.home)}</a><div role="navigation"><a href="/marketplace/">${escapeHtml(parts.navigation.marketplace)}</a></div></div>`
    : '';
  return `<div id="mount_0_0_${randomBytes(2).toString('hex')}">${nav}<div role="main">${parts.main}</div></div>${parts.portals ?? ''}`;
}

/** Native landmarks, other ids and classes, portals kept inside the app root. */
function altShell(parts: PageParts): string {
  const nav = parts.navigation
    ? `<header class="top"><nav><ul><li><a href="/">${escapeHtml(parts.navigation.home)}</a></li><li><a href="/marketplace/">${escapeHtml(parts.navigation.marketplace)}</a></li></ul></nav></header>`
    : '';
  return `<div class="app" data-build="${randomBytes(3).toString('hex')}">${nav}<div class="columns"><aside class="left"></aside><main class="center"><div class="surface">${parts.main}</div></main></div><div class="layers">${parts.portals ?? ''}</div></div>`;
}

/** The hidden form tokens and the `DTSGInitialData`/`LSD` modules Facebook embeds in its pages. */
function formTokens(fbDtsg: string | undefined): string {
  if (!fbDtsg) return '';
  const lsd = randomBytes(8).toString('base64url');
  const jazoest = `2${[...fbDtsg].reduce((sum, c) => sum + c.charCodeAt(0), 0)}`;
  return `<form method="post" action="/ajax/bz" hidden><input type="hidden" name="fb_dtsg" value="${fbDtsg}" autocomplete="off"><input type="hidden" name="jazoest" value="${jazoest}" autocomplete="off"><input type="hidden" name="lsd" value="${lsd}" autocomplete="off"></form>
<script type="application/json" data-sjs>${scriptJson({ require: [['DTSGInitialData', [], { token: fbDtsg }, 258], ['LSD', [], { token: lsd }, 323]] })}</script>`;
}

const altStyle = `
body{font-family:system-ui,sans-serif;margin:0;background:#e4e6eb}
.top{background:#fff;padding:6px 12px}.top ul{display:flex;gap:12px;list-style:none;margin:0;padding:0}
.columns{display:flex}.left{width:120px}.center{flex:1;max-width:760px;margin:12px}
.surface{background:#fff;padding:16px;border-radius:8px;min-height:400px}
.fld{margin:10px 0}.fld input,.fld textarea{display:block;width:100%;padding:6px}
button{margin:4px 4px 4px 0;padding:6px 12px}
[role=listbox]{background:#fff;border:1px solid #99a;max-width:320px}
[role=option]{padding:6px 10px;cursor:pointer}
.scrim{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:10}
[role=dialog]{background:#fff;padding:16px;min-width:420px}
[role=textbox][contenteditable]{min-height:80px;border:1px solid #99a;padding:8px}
li.row{min-height:120px;border-bottom:1px solid #ddd}
article{border-bottom:1px solid #ddd;padding:8px 0}
[hidden]{display:none!important}
`;

/** A text input labelled the 2025 way: no aria-label, a span referenced by aria-labelledby. */
export function labelledInput(id: () => string, label: string, field: string, options: { multiline?: boolean; combobox?: boolean } = {}) {
  const labelId = id();
  const control = options.multiline
    ? `<textarea id="${id()}" aria-labelledby="${labelId}" data-field="${field}" rows="4" dir="ltr"></textarea>`
    : `<input type="text" id="${id()}" aria-labelledby="${labelId}" data-field="${field}" dir="ltr" autocomplete="off"${
        options.combobox ? ' role="combobox" aria-autocomplete="list" aria-expanded="false"' : ''
      }>`;
  return `<label class="x1n2onr6"><div><span id="${labelId}">${escapeHtml(label)}</span></div>${control}</label>`;
}

/** A select drawn as Facebook draws it: a label with role combobox whose options open in a portal. */
export function comboSelect(id: () => string, label: string, field: string, options: string[]) {
  const labelId = id();
  return `<label class="x1n2onr6" role="combobox" tabindex="0" aria-expanded="false" aria-haspopup="listbox" aria-labelledby="${labelId}" data-field="${field}" data-options='${escapeHtml(JSON.stringify(options))}'><span id="${labelId}">${escapeHtml(label)}</span> <span data-value></span></label>`;
}

export const divButton = (id: () => string, text: string, attrs = '') =>
  `<div role="button" tabindex="0" id="${id()}" ${attrs}><span>${escapeHtml(text)}</span></div>`;

export function dialog(id: () => string, title: string, body: string, attrs = '') {
  const titleId = id();
  return `<div class="x9f619" ${attrs}><div role="dialog" aria-modal="true" aria-labelledby="${titleId}"><h2 id="${titleId}">${escapeHtml(title)}</h2>${body}</div></div>`;
}
