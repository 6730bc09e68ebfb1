import { scripts } from './client.ts';
import { escapeHtml, renderPage, type PageParts } from './html.ts';
import { SELLING_PAGE_SIZE } from './pages.ts';
import type { AltNextSteps, FakeAccount, FormField, Group, GroupPost, Listing } from './state.ts';
import { altTexts, type FakeLocale } from './texts.ts';

/**
 * The alt layout (see `Layout` in state.ts): what another build of Facebook may serve. The same
 * roles, accessible names and visible texts as the classic pages, built otherwise: native
 * landmarks, buttons, switches and articles; labels by `<label for>`, `aria-label` or
 * `aria-labelledby` where classic uses one way; listboxes right after their combobox; the
 * Description shown at once; a number of Next steps of its own; the composer inside the page;
 * wording in another case and with "…".
 */

/** Ids of another scheme than the classic `_r_…_`, also new on every load. */
function idMaker(): () => string {
  const seed = Math.random().toString(36).slice(2, 7);
  let n = 0;
  return () => `u${seed}-${n++}`;
}

const navigation = (locale: FakeLocale) => ({ home: altTexts[locale].home, marketplace: altTexts[locale].marketplace });

/** A page as the account sees it logged in: its language, the navigation and its form tokens. */
const accountPage = (account: FakeAccount, parts: Omit<PageParts, 'locale' | 'shell' | 'navigation' | 'formToken'>) =>
  renderPage({ locale: account.locale, shell: 'alt', navigation: navigation(account.locale), formToken: account.formToken, ...parts });
const clientTexts = (locale: FakeLocale) => {
  const t = altTexts[locale];
  return { create: t.create, group: t.group, block: t.block };
};
const manageLabel = (locale: FakeLocale) => (locale === 'es_LA' ? 'Administrar publicación' : 'Manage Post');

export function loginPage(locale: FakeLocale, next: string, error?: string): string {
  const t = altTexts[locale].login;
  const id = idMaker();
  const [email, password] = [id(), id()];
  return renderPage({
    locale,
    shell: 'alt',
    title: t.title,
    main: `<section class="login"><h2>${escapeHtml(t.title)}</h2>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login/?next=${encodeURIComponent(next)}">
  <div class="fld"><label for="${email}">${escapeHtml(t.email)}</label><input type="text" name="email" id="${email}" autocomplete="username"></div>
  <div class="fld"><label for="${password}">${escapeHtml(t.password)}</label><input type="password" name="pass" id="${password}" autocomplete="current-password"></div>
  <div><button type="submit" name="login">${escapeHtml(t.submit)}</button></div>
</form></section>`,
  });
}

export function homePage(account: FakeAccount): string {
  const t = altTexts[account.locale];
  return accountPage(account, {
    title: 'Facebook',
    main: `<section aria-label="${escapeHtml(t.home)}"><div class="composer-entry"><button type="button">${escapeHtml(t.whatsOnYourMind(account.name.split(' ')[0]!))}</button></div><div role="feed"></div></section>`,
  });
}

/**
 * The form on 1 + `nextSteps` pages: every field on the first (Description at once), then
 * optional steps, then the last with the Boost switch and Publish.
 */
export function createItemPage(
  account: FakeAccount,
  options: { renamed: Partial<Record<FormField, string>>; leaveDialog: boolean },
  nextSteps: AltNextSteps,
): string {
  const t = altTexts[account.locale];
  const c = t.create;
  const id = idMaker();
  const label = (field: FormField, text: string) => escapeHtml(options.renamed[field] ?? text);
  const [titleId, descriptionId, locationId, conditionLabel] = [id(), id(), id(), id()];
  const optionList = (names: string[]) => escapeHtml(JSON.stringify(names));
  const boost = `<div class="fld"><label><input type="checkbox" role="switch" checked> ${escapeHtml(c.boostSwitch)}</label></div>`;
  const extraSteps = [
    `<fieldset><legend>${escapeHtml(c.delivery)}</legend><label><input type="radio" name="delivery" checked> ${escapeHtml(c.pickupOnly)}</label></fieldset>`,
    `<div class="fld"><label><input type="checkbox"> ${escapeHtml(c.hideFromFriends)}</label></div>`,
    `<p>${escapeHtml(t.marketplace)}</p>`,
  ].slice(0, Math.max(0, nextSteps - 1));
  const lastStep = nextSteps + 1;
  const fields = `
  <div class="fld"><span>${label('photos', 'Photos')}</span>
    <button type="button" data-action="add-photos">${label('photos', c.addPhotos)}</button>
    <span data-uploading hidden>${escapeHtml(c.uploading)}</span>
    <input type="file" accept="image/*" multiple hidden data-field="photos">
  </div>
  <div class="fld"><label for="${titleId}">${label('title', c.title)}</label><input type="text" id="${titleId}" data-field="title"></div>
  <div class="fld"><input type="text" inputmode="decimal" placeholder="$" aria-label="${label('price', c.price)}" data-field="price"></div>
  <div class="fld"><div role="combobox" tabindex="0" aria-haspopup="listbox" aria-expanded="false" aria-label="${label('category', c.category)}" data-field="category" data-options="${optionList(t.categories)}"><span aria-hidden="true">${label('category', c.category)}</span>: <span data-value></span></div></div>
  <div class="fld"><div id="${conditionLabel}">${label('condition', c.condition)}</div><button type="button" role="combobox" aria-haspopup="listbox" aria-expanded="false" aria-labelledby="${conditionLabel}" data-field="condition" data-options="${optionList(t.conditions)}"><span data-value></span></button></div>
  <div class="fld"><label for="${descriptionId}">${label('description', c.description)}</label><textarea id="${descriptionId}" rows="4" data-field="description"></textarea></div>
  <div class="fld"><label for="${locationId}">${label('location', c.location)}</label><input type="text" id="${locationId}" role="combobox" aria-autocomplete="list" aria-expanded="false" autocomplete="off" data-field="location"></div>`;
  const steps = [fields, ...extraSteps];
  const sections = steps.map((body, i) => `<section data-step="${i + 1}">${body}${i + 1 === lastStep ? boost : ''}</section>`);
  if (nextSteps > 0) sections.push(`<section data-step="${lastStep}" hidden>${boost}</section>`);
  const main = `<form class="sell" onsubmit="return false"><h2>${escapeHtml(c.heading)}</h2>
${sections.join('\n')}
<footer>${nextSteps > 0 ? `<button type="button" data-action="next" disabled>${escapeHtml(c.next)}</button>` : ''}<button type="button" data-action="publish" disabled${nextSteps > 0 ? ' hidden' : ''}>${escapeHtml(c.publish)}</button></footer>
</form>`;
  return accountPage(account, {
    title: `${t.marketplace} | Facebook`,
    main,
    data: { texts: clientTexts(account.locale), leaveDialog: options.leaveDialog, steps: lastStep, layout: 'alt' },
    script: scripts.createItem,
  });
}

export function itemPage(account: FakeAccount, listing: Listing, duplicate: boolean): string {
  const t = altTexts[account.locale];
  return accountPage(account, {
    title: `${listing.title} | Facebook Marketplace`,
    main: `<div class="item"><div class="media"></div><div class="details"><h1>${escapeHtml(listing.title)}</h1><p>${escapeHtml(listing.price)}</p>
<p>${escapeHtml(t.item.listedIn(listing.location || '—'))}</p><p>${escapeHtml(listing.condition)}</p><p>${escapeHtml(listing.description)}</p></div></div>
${duplicate ? `<div role="status"><strong>${escapeHtml(t.item.duplicate)}</strong></div>` : ''}`,
  });
}

export function sellingPage(account: FakeAccount, listings: Listing[]): string {
  const t = altTexts[account.locale];
  const rows = listings
    .slice(0, SELLING_PAGE_SIZE)
    // The whole card is the link, price and title in it, as on Facebook's own cards.
    .map((l) => `<li class="row"><a href="/marketplace/item/${l.id}/"><div>${escapeHtml(l.price)}</div><div>${escapeHtml(l.title)}</div></a></li>`)
    .join('');
  return accountPage(account, {
    title: `${t.selling.title} | Facebook Marketplace`,
    main: `<h2>${escapeHtml(t.selling.title)}</h2><ul data-list>${rows}</ul>`,
    data: { total: listings.length, layout: 'alt' },
    script: scripts.selling,
  });
}

function article(group: Group, post: GroupPost, author: string, locale: FakeLocale) {
  const lines = post.text.split('\n').map((line) => `<p>${escapeHtml(line)}</p>`).join('');
  return `<article><header><a href="/groups/${group.id}/user/${post.userId}/">${escapeHtml(author)}</a> · <a href="/groups/${group.id}/posts/${post.id}/?__cft__=a">${escapeHtml(altTexts[locale].group.justNow)}</a></header><div>${lines}</div></article>`;
}

export function groupPage(account: FakeAccount, group: Group, posts: GroupPost[], authors: Map<string, string>): string {
  const g = altTexts[account.locale].group;
  return accountPage(account, {
    title: `${group.name} | Facebook`,
    main: `<div class="cover"><button type="button">${escapeHtml(g.coverPhoto)}</button><input type="file" accept="image/*" hidden></div>
<h1>${escapeHtml(group.name)}</h1>
<nav aria-label="${escapeHtml(group.name)}"><a href="/groups/${group.id}/">Discussion</a> <a href="/groups/${group.id}/">Posts</a></nav>
<section class="composer-entry">
  <button type="button" data-action="write">${escapeHtml(g.writeSomething)}</button>
  <button type="button">${escapeHtml(g.photoVideo)}</button><input type="file" accept="image/*,video/*" multiple hidden>
  <div role="dialog" aria-modal="true" aria-label="${escapeHtml(g.createPost)}" data-composer hidden>
    <header><h2>${escapeHtml(g.createPost)}</h2><button type="button" data-action="close" aria-label="Close">×</button></header>
    <div contenteditable="true" role="textbox" aria-multiline="true" aria-label="${escapeHtml(g.writeSomething)}" data-lexical-editor="true"><p><br></p></div>
    <div><button type="button" data-action="photo">${escapeHtml(g.photoVideo)}</button><input type="file" accept="image/*,video/*" multiple hidden>
    <button type="button" aria-pressed="false">${escapeHtml(g.postAnonymously)}</button></div>
    <footer><button type="button" data-action="post" disabled>${escapeHtml(g.post)}</button></footer>
  </div>
</section>
<div role="status" data-pending hidden><span>${escapeHtml(g.pending)}</span> <a href="#">${manageLabel(account.locale)}</a></div>
<div role="feed">${posts.map((p) => article(group, p, authors.get(p.userId) ?? 'Someone', account.locale)).join('')}</div>`,
    data: { texts: clientTexts(account.locale), groupId: group.id, userId: account.userId, userName: account.name, layout: 'alt' },
    script: scripts.group,
  });
}

export function groupPostPage(account: FakeAccount, group: Group, post: GroupPost, author: string): string {
  return accountPage(account, {
    title: `${group.name} | Facebook`,
    main: `<h2><a href="/groups/${group.id}/">${escapeHtml(group.name)}</a></h2>${article(group, post, author, account.locale)}`,
  });
}

export function pendingPage(account: FakeAccount, group: Group, posts: GroupPost[]): string {
  return accountPage(account, {
    title: `${group.name} | Facebook`,
    main: `<h2>${escapeHtml(group.name)}</h2><div role="feed">${posts
      .map(
        (p) =>
          `<article>${p.text
            .split('\n')
            .map((l) => `<p>${escapeHtml(l)}</p>`)
            .join('')}<footer><a href="/groups/${group.id}/my_pending_content/?highlight=${p.id}">${manageLabel(account.locale)}</a></footer></article>`,
      )
      .join('')}</div>`,
  });
}
