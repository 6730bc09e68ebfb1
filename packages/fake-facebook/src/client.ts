/**
 * The pages' behaviour, as plain browser scripts (no build step). What they imitate:
 * option lists rendered in portals at the end of <body>, buttons that are divs disabled
 * with aria-disabled, photo uploads that take time, a contenteditable editor that drops
 * inserted newlines, dialogs that pop over the page. The alt layout (`DATA.layout === 'alt'`)
 * uses native buttons (disabled with `disabled`), listboxes right after their combobox and
 * native switches; the scripts serve both, keyed on private `data-*` hooks the worker never uses.
 */
const common = String.raw`
const DATA = JSON.parse(document.getElementById('page-data')?.textContent || '{}');
const T = DATA.texts || {};
const ALT = DATA.layout === 'alt';
const isNative = (el) => el.tagName === 'BUTTON';
function setDisabled(el, disabled) { if (isNative(el)) el.disabled = disabled; else el.setAttribute('aria-disabled', disabled ? 'true' : 'false'); }
const isDisabled = (el) => (isNative(el) ? el.disabled : el.getAttribute('aria-disabled') === 'true');
function onActivate(el, fn) {
  el.addEventListener('click', (e) => { if (isDisabled(el)) return; fn(e); });
  // A native button turns Enter and Space into a click by itself.
  if (!isNative(el)) el.addEventListener('keydown', (e) => { if ((e.key === 'Enter' || e.key === ' ') && !isDisabled(el)) { e.preventDefault(); fn(e); } });
}
function makeButton(label) {
  const b = document.createElement(ALT ? 'button' : 'div');
  if (ALT) b.type = 'button'; else { b.setAttribute('role', 'button'); b.tabIndex = 0; }
  b.id = newId();
  const s = document.createElement('span'); s.textContent = label; b.appendChild(s);
  return b;
}
let ids = 0;
function newId() { return '_p_' + Math.random().toString(36).slice(2, 6) + (ids++) + '_'; }
function closePortals() { document.querySelectorAll('[data-portal]').forEach((p) => p.remove()); document.querySelectorAll('[aria-expanded=true][role=combobox]').forEach((c) => c.setAttribute('aria-expanded', 'false')); }
function openListbox(anchor, names, pick) {
  closePortals();
  const box = document.createElement('div');
  box.setAttribute('role', 'listbox'); box.setAttribute('data-portal', ''); box.id = newId();
  if (!ALT) {
    const r = anchor.getBoundingClientRect();
    box.style.left = (r.left + window.scrollX) + 'px'; box.style.top = (r.bottom + window.scrollY) + 'px';
  }
  for (const name of names) {
    const opt = document.createElement('div');
    opt.setAttribute('role', 'option'); opt.setAttribute('aria-selected', 'false'); opt.tabIndex = -1; opt.id = newId();
    const span = document.createElement('span'); span.textContent = name; opt.appendChild(span);
    opt.addEventListener('click', () => { pick(name); closePortals(); });
    box.appendChild(opt);
  }
  if (ALT) anchor.after(box); else document.body.appendChild(box);
  anchor.setAttribute('aria-expanded', 'true'); anchor.setAttribute('aria-controls', box.id);
}
async function uploadFiles(files) {
  return Promise.all([...files].map(async (file) => {
    const res = await fetch('/api/upload', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file });
    if (res.status === 401) { location.href = '/login/'; throw new Error('logged out'); }
    return (await res.json()).token;
  }));
}
function showDialog(title, text, buttons) {
  const overlay = document.createElement('div'); overlay.className = ALT ? 'scrim' : 'x9f619';
  const dlg = document.createElement('div'); dlg.setAttribute('role', 'dialog'); dlg.setAttribute('aria-modal', 'true');
  const h = document.createElement(ALT ? 'h3' : 'h2'); h.textContent = title; dlg.appendChild(h);
  if (ALT) dlg.setAttribute('aria-label', title); else { h.id = newId(); dlg.setAttribute('aria-labelledby', h.id); }
  if (text) { const p = document.createElement('div'); p.textContent = text; dlg.appendChild(p); }
  const row = ALT ? document.createElement('div') : dlg;
  for (const [label, fn] of buttons) {
    const b = makeButton(label);
    onActivate(b, () => { overlay.remove(); fn && fn(); });
    row.appendChild(b);
  }
  if (ALT) dlg.appendChild(row);
  overlay.appendChild(dlg); (document.querySelector('.layers') || document.body).appendChild(overlay);
  return overlay;
}
function showBlock() { showDialog(T.block.title, T.block.body, [['OK', null]]); }
async function postJson(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status === 401) { location.href = '/login/?next=' + encodeURIComponent(location.pathname); return null; }
  if (res.status === 403) { location.href = '/checkpoint/'; return null; }
  return res.json();
}
`;

const createItem = String.raw`
const state = { photos: [], uploading: 0, step: 1, values: {}, dirty: false, published: false };
const field = (name) => document.querySelector('[data-field="' + name + '"]');
const next = document.querySelector('[data-action=next]');
const publish = document.querySelector('[data-action=publish]');
function ready() {
  const v = state.values;
  return state.uploading === 0 && state.photos.length > 0 && v.title && v.price && v.category && v.condition;
}
function refresh() {
  if (next) setDisabled(next, !ready());
  setDisabled(publish, !ready() || state.publishing);
  document.querySelectorAll('[data-step]').forEach((s) => { s.hidden = Number(s.dataset.step) !== state.step; });
  if (next) next.hidden = state.step >= DATA.steps;
  publish.hidden = state.step < DATA.steps;
  const count = document.querySelector('[data-photo-count]');
  if (count) count.textContent = state.photos.length + ' / 10';
  document.querySelector('[data-uploading]').hidden = state.uploading === 0;
}
window.addEventListener('beforeunload', (e) => { if (state.dirty && !state.published) { e.preventDefault(); e.returnValue = ''; } });
const fileInput = document.querySelector('input[type=file][data-field=photos]');
onActivate(document.querySelector('[data-action=add-photos]'), () => fileInput.click());
fileInput.addEventListener('change', async () => {
  const files = [...fileInput.files]; state.uploading += files.length; state.dirty = true; refresh();
  try { state.photos.push(...await uploadFiles(files)); } finally { state.uploading -= files.length; refresh(); }
});
for (const input of document.querySelectorAll('input[data-field], textarea[data-field]')) {
  if (input.type === 'file' || input.dataset.field === 'location') continue;
  input.addEventListener('input', () => { state.values[input.dataset.field] = input.value.trim(); state.dirty = true; refresh(); });
}
for (const combo of document.querySelectorAll('[role=combobox][data-options]')) {
  const open = (e) => { e.preventDefault(); openListbox(combo, JSON.parse(combo.dataset.options), (name) => {
    state.values[combo.dataset.field] = name; combo.querySelector('[data-value]').textContent = name; state.dirty = true; refresh();
  }); };
  combo.addEventListener('click', open);
  combo.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') open(e); });
}
const place = field('location');
let placeTimer;
place.addEventListener('input', () => {
  state.values.location = null; clearTimeout(placeTimer);
  placeTimer = setTimeout(async () => {
    const names = await (await fetch('/api/places?q=' + encodeURIComponent(place.value))).json();
    if (names.length) openListbox(place, names, (name) => { place.value = name; state.values.location = name; refresh(); });
    else closePortals();
  }, 150);
});
const more = document.querySelector('[data-action=more-details]');
if (more) onActivate(more, () => { const open = more.getAttribute('aria-expanded') !== 'true'; more.setAttribute('aria-expanded', String(open)); document.querySelector('[data-more]').hidden = !open; });
const boost = document.querySelector('[role=switch]');
// A native checkbox switch keeps its own state; a div switch keeps it in aria-checked.
if (boost.tagName !== 'INPUT') onActivate(boost, () => boost.setAttribute('aria-checked', String(boost.getAttribute('aria-checked') !== 'true')));
const boosted = () => (boost.tagName === 'INPUT' ? boost.checked : boost.getAttribute('aria-checked') === 'true');
if (next) onActivate(next, () => { state.step += 1; refresh(); });
onActivate(publish, async () => {
  state.publishing = true; refresh();
  const v = state.values;
  const res = await postJson('/api/marketplace/items', { ...v, location: v.location || null, photos: state.photos, boosted: boosted() });
  state.publishing = false; refresh();
  if (!res) return;
  if (res.blocked) return showBlock();
  state.published = true;
  const go = () => { location.href = '/marketplace/item/' + res.id + '/'; };
  showDialog(T.create.boostDialogTitle, '', [[T.create.boostNow, go], [T.create.notNow, go]]);
});
if (DATA.leaveDialog) setTimeout(() => showDialog(T.create.leaveTitle, '', [[T.create.leave, () => { state.published = true; location.href = '/'; }], [T.create.stay, null]]), 300);
refresh();
`;

const selling = String.raw`
const list = document.querySelector('[data-list]');
let offset = list.children.length, loading = false, done = DATA.total <= offset;
window.addEventListener('scroll', async () => {
  if (loading || done || window.innerHeight + window.scrollY < document.body.scrollHeight - 200) return;
  loading = true;
  await new Promise((r) => setTimeout(r, 250));
  const items = await (await fetch('/api/marketplace/selling?offset=' + offset)).json();
  for (const item of items) {
    const row = document.createElement(ALT ? 'li' : 'div');
    if (ALT) row.className = 'row'; else row.setAttribute('role', 'listitem');
    const a = document.createElement('a'); a.href = '/marketplace/item/' + item.id + '/';
    const s = document.createElement(ALT ? 'div' : 'span'); s.textContent = item.title;
    const p = document.createElement('div'); p.textContent = item.price;
    if (ALT) { a.append(p, s); row.append(a); } else { a.appendChild(s); row.append(a, p); }
    list.appendChild(row);
  }
  offset += items.length; done = items.length === 0 || offset >= DATA.total; loading = false;
});
`;

const group = String.raw`
const overlay = document.querySelector('[data-composer]');
const editor = overlay.querySelector('[contenteditable]');
const post = overlay.querySelector('[data-action=post]');
const state = { photos: [], uploading: 0 };
const text = () => [...editor.children].map((p) => p.textContent).join('\n').trim();
const placeholder = overlay.querySelector('[data-placeholder]');
function refresh() { setDisabled(post, state.uploading > 0 || text() === '' || state.posting); if (placeholder) placeholder.hidden = text() !== ''; }
onActivate(document.querySelector('[data-action=write]'), () => { overlay.hidden = false; editor.focus(); });
onActivate(overlay.querySelector('[data-action=close]'), () => { overlay.hidden = true; });
editor.addEventListener('beforeinput', (e) => {
  if ((e.inputType === 'insertText' || e.inputType === 'insertReplacementText') && e.data && e.data.includes('\n')) {
    e.preventDefault(); document.execCommand('insertText', false, e.data.replace(/\n/g, ''));
  }
  if (e.inputType === 'insertLineBreak') { e.preventDefault(); }
});
editor.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  const p = document.createElement('p'); p.appendChild(document.createElement('br'));
  const sel = window.getSelection(); let current = sel.anchorNode;
  while (current && current.parentNode !== editor) current = current.parentNode;
  (current || editor.lastChild).after(p);
  const range = document.createRange(); range.setStart(p, 0); range.collapse(true); sel.removeAllRanges(); sel.addRange(range);
});
editor.addEventListener('input', refresh);
const fileInput = overlay.querySelector('input[type=file]');
onActivate(overlay.querySelector('[data-action=photo]'), () => fileInput.click());
fileInput.addEventListener('change', async () => {
  const files = [...fileInput.files]; state.uploading += files.length; refresh();
  try { state.photos.push(...await uploadFiles(files)); } finally { state.uploading -= files.length; refresh(); }
});
onActivate(post, async () => {
  state.posting = true; refresh();
  const res = await postJson('/api/groups/' + DATA.groupId + '/posts', { text: text(), photos: state.photos });
  state.posting = false; refresh();
  if (!res) return;
  if (res.blocked) return showBlock();
  overlay.hidden = true; editor.innerHTML = '<p><br></p>'; state.photos = []; refresh();
  if (res.status === 'pending') {
    const notice = document.querySelector('[data-pending]');
    notice.hidden = false;
    notice.querySelector('a').href = '/groups/' + DATA.groupId + '/my_pending_content/?highlight=' + res.id;
    return;
  }
  const article = document.createElement(ALT ? 'article' : 'div');
  if (!ALT) article.setAttribute('role', 'article');
  const author = document.createElement('a'); author.textContent = DATA.userName;
  author.href = ALT ? '/groups/' + DATA.groupId + '/user/' + DATA.userId + '/' : '/profile.php?id=' + DATA.userId;
  const when = document.createElement('a'); when.href = '/groups/' + DATA.groupId + '/posts/' + res.id + '/' + (ALT ? '?__cft__=' + newId() : ''); when.textContent = T.group.justNow;
  const body = document.createElement('div'); for (const line of res.text.split('\n')) { const d = document.createElement(ALT ? 'p' : 'div'); d.textContent = line; body.appendChild(d); }
  if (ALT) { const head = document.createElement('header'); head.append(author, ' · ', when); article.append(head, body); } else article.append(author, ' · ', when, body);
  document.querySelector('[role=feed]').prepend(article);
});
refresh();
`;

export const scripts = {
  createItem: common + createItem,
  selling: common + selling,
  group: common + group,
};
