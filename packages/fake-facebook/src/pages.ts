import { scripts } from './client.ts';
import { comboSelect, dialog, divButton, escapeHtml, idMaker, labelledInput, renderPage, type PageParts } from './html.ts';
import type { FakeAccount, FormField, Group, GroupPost, Listing } from './state.ts';
import { fakeTexts, type FakeLocale } from './texts.ts';

const navigation = (locale: FakeLocale) => ({ home: fakeTexts[locale].home, marketplace: fakeTexts[locale].marketplace });

/** A page as the account sees it logged in: its language, the navigation and its form tokens. */
const accountPage = (account: FakeAccount, parts: Omit<PageParts, 'locale' | 'shell' | 'navigation' | 'formToken'>) =>
  renderPage({ locale: account.locale, navigation: navigation(account.locale), formToken: account.formToken, ...parts });
/** What the page scripts need of the texts. */
const clientTexts = (locale: FakeLocale) => {
  const t = fakeTexts[locale];
  return { create: t.create, group: t.group, block: t.block };
};

export function loginPage(locale: FakeLocale, next: string, error?: string): string {
  const t = fakeTexts[locale].login;
  const id = idMaker();
  return renderPage({
    locale,
    title: t.title,
    main: `<h1>${escapeHtml(t.title)}</h1>
${error ? `<div role="alert">${escapeHtml(error)}</div>` : ''}
<form method="post" action="/login/?next=${encodeURIComponent(next)}" id="${id()}">
  <input type="text" name="email" id="${id()}" aria-label="${escapeHtml(t.email)}" placeholder="${escapeHtml(t.email)}" autofocus>
  <input type="password" name="pass" id="${id()}" aria-label="${escapeHtml(t.password)}" placeholder="${escapeHtml(t.password)}">
  <button type="submit" name="login">${escapeHtml(t.submit)}</button>
</form>`,
  });
}

export function checkpointPage(locale: FakeLocale): string {
  const t = fakeTexts[locale].checkpoint;
  return renderPage({
    locale,
    title: t.title,
    main: `<h1>${escapeHtml(t.title)}</h1><p>${escapeHtml(t.body)}</p>
<form method="post" action="/checkpoint/"><button type="submit">${escapeHtml(t.continue)}</button></form>`,
  });
}

export function homePage(account: FakeAccount): string {
  const t = fakeTexts[account.locale];
  const id = idMaker();
  return accountPage(account, {
    title: 'Facebook',
    main: `<div role="feed"><div>${divButton(id, t.whatsOnYourMind(account.name.split(' ')[0]!))}</div></div>`,
  });
}

export function createItemPage(account: FakeAccount, options: { renamed: Partial<Record<FormField, string>>; leaveDialog: boolean }): string {
  const t = fakeTexts[account.locale];
  const c = t.create;
  const id = idMaker();
  const label = (field: FormField, text: string) => options.renamed[field] ?? text;
  const boostLabel = id();
  const main = `<h1>${escapeHtml(c.heading)}</h1>
<div data-step="1">
  <div class="x1n2onr6"><span>${escapeHtml(label('photos', 'Photos'))} · <span data-photo-count>0 / 10</span></span>
    ${divButton(id, label('photos', c.addPhotos), 'data-action="add-photos"')}
    <span data-uploading hidden>${escapeHtml(c.uploading)}</span>
    <input type="file" accept="image/*,image/heif,image/heic" multiple style="display:none" data-field="photos" id="${id()}">
  </div>
  ${labelledInput(id, label('title', c.title), 'title')}
  ${labelledInput(id, label('price', c.price), 'price')}
  ${comboSelect(id, label('category', c.category), 'category', t.categories)}
  ${comboSelect(id, label('condition', c.condition), 'condition', t.conditions)}
  ${divButton(id, c.moreDetails, 'data-action="more-details" aria-expanded="false"')}
  <div data-more hidden>${labelledInput(id, label('description', c.description), 'description', { multiline: true })}</div>
  ${labelledInput(id, label('location', c.location), 'location', { combobox: true })}
</div>
<div data-step="2" hidden>
  <div class="x1n2onr6"><span id="${boostLabel}">${escapeHtml(c.boostSwitch)}</span></div>
  <div role="switch" tabindex="0" aria-checked="true" aria-labelledby="${boostLabel}"></div>
</div>
<div data-step="3" hidden><p>Marketplace</p></div>
<div>${divButton(id, c.next, 'data-action="next" aria-disabled="true"')}${divButton(id, c.publish, 'data-action="publish" aria-disabled="true" hidden')}</div>`;
  return accountPage(account, {
    title: `${t.marketplace} | Facebook`,
    main,
    data: { texts: clientTexts(account.locale), leaveDialog: options.leaveDialog, steps: 3 },
    script: scripts.createItem,
  });
}

export function itemPage(account: FakeAccount, listing: Listing, duplicate: boolean): string {
  const t = fakeTexts[account.locale];
  return accountPage(account, {
    title: `${listing.title} | Facebook Marketplace`,
    main: `${duplicate ? `<div role="alert">${escapeHtml(t.item.duplicate)}</div>` : ''}
<h1><span>${escapeHtml(listing.title)}</span></h1><div>${escapeHtml(listing.price)}</div>
<div>${escapeHtml(t.item.listedIn(listing.location || '—'))}</div>
<div>${escapeHtml(listing.condition)}</div><div>${escapeHtml(listing.description)}</div>`,
  });
}

export const SELLING_PAGE_SIZE = 10;

export function sellingPage(account: FakeAccount, listings: Listing[]): string {
  const t = fakeTexts[account.locale];
  const rows = listings
    .slice(0, SELLING_PAGE_SIZE)
    .map((l) => `<div role="listitem"><a href="/marketplace/item/${l.id}/"><span>${escapeHtml(l.title)}</span></a><div>${escapeHtml(l.price)}</div></div>`)
    .join('');
  return accountPage(account, {
    title: `${t.selling.title} | Facebook Marketplace`,
    main: `<h1>${escapeHtml(t.selling.title)}</h1><div role="list" data-list>${rows}</div>`,
    data: { total: listings.length },
    script: scripts.selling,
  });
}

function article(group: Group, post: GroupPost, author: string, locale: FakeLocale) {
  const lines = post.text.split('\n').map((line) => `<div>${escapeHtml(line)}</div>`).join('');
  return `<div role="article"><a href="/profile.php?id=${post.userId}">${escapeHtml(author)}</a> · <a href="/groups/${group.id}/posts/${post.id}/">${escapeHtml(fakeTexts[locale].group.justNow)}</a><div>${lines}</div></div>`;
}

export function groupPage(account: FakeAccount, group: Group, posts: GroupPost[], authors: Map<string, string>): string {
  const t = fakeTexts[account.locale];
  const g = t.group;
  const id = idMaker();
  const placeholderId = id();
  const composer = dialog(
    id,
    g.createPost,
    `${divButton(id, 'Close', 'data-action="close"')}
<div style="position:relative"><span data-placeholder id="${placeholderId}" style="position:absolute;color:#888;pointer-events:none">${escapeHtml(g.writeSomething)}</span>
<div contenteditable="true" role="textbox" spellcheck="true" aria-multiline="true" aria-labelledby="${placeholderId}" data-lexical-editor="true"><p><br></p></div></div>
${divButton(id, g.photoVideo, 'data-action="photo"')}<input type="file" accept="image/*,video/*" multiple style="display:none" id="${id()}">
${divButton(id, g.post, 'data-action="post" aria-disabled="true"')}`,
    'data-composer hidden',
  );
  return accountPage(account, {
    title: `${group.name} | Facebook`,
    main: `<h1>${escapeHtml(group.name)}</h1>
${divButton(id, g.coverPhoto)}<input type="file" accept="image/*" style="display:none" id="${id()}">
<div>${divButton(id, g.writeSomething, 'data-action="write"')} ${divButton(id, g.photoVideo)}<input type="file" accept="image/*,video/*" multiple style="display:none" id="${id()}"></div>
<div role="alert" data-pending hidden>${escapeHtml(g.pending)} <a href="#">${account.locale === 'es_LA' ? 'Administrar publicación' : 'Manage post'}</a></div>
<div role="feed">${posts.map((p) => article(group, p, authors.get(p.userId) ?? 'Someone', account.locale)).join('')}</div>`,
    portals: composer,
    data: { texts: clientTexts(account.locale), groupId: group.id, userId: account.userId, userName: account.name },
    script: scripts.group,
  });
}

/** A group post's own page (its permalink), as the feed's "Just now" link opens it. */
export function groupPostPage(account: FakeAccount, group: Group, post: GroupPost, author: string): string {
  return accountPage(account, {
    title: `${group.name} | Facebook`,
    main: `<h1><a href="/groups/${group.id}/">${escapeHtml(group.name)}</a></h1>${article(group, post, author, account.locale)}`,
  });
}

export function pendingPage(account: FakeAccount, group: Group, posts: GroupPost[]): string {
  return accountPage(account, {
    title: `${group.name} | Facebook`,
    main: `<h1>${escapeHtml(group.name)}</h1><div role="feed">${posts
      .map(
        (p) =>
          `<div role="article"><div>${p.text
            .split('\n')
            .map((l) => `<div>${escapeHtml(l)}</div>`)
            .join('')}</div><a href="/groups/${group.id}/my_pending_content/?highlight=${p.id}">${account.locale === 'es_LA' ? 'Administrar publicación' : 'Manage post'}</a></div>`,
      )
      .join('')}</div>`,
  });
}

export function notFoundPage(locale: FakeLocale): string {
  return renderPage({ locale, title: 'Page not found', main: `<h1>This content isn't available right now</h1>` });
}
