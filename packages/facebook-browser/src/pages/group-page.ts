import { setTimeout as sleep } from 'node:timers/promises';
import { PublishError } from '@autoposter/publisher';
import type { PageSession } from '../page-session.ts';
import { sameText, textStartingWith } from '../text-match.ts';

export interface GroupPostInput {
  groupId: string;
  text: string;
  photoPaths: string[];
}

export type GroupPostResult =
  | { status: 'posted'; id: string; url: string }
  | { status: 'pending'; id: string | null };

const POST_LINK = /\/groups\/[^/]+\/posts\/(\d+)/;
const PENDING_ID = /[?&]highlight=(\d+)/;

/** A group's page at /groups/{id}/ with its composer dialog ("Write something..." -> "Create post"). */
export class GroupPage {
  constructor(private readonly session: PageSession) {}

  private get t() {
    return this.session.texts.group;
  }

  async open(groupId: string): Promise<void> {
    await this.session.open(`/groups/${encodeURIComponent(groupId)}/`);
  }

  private dialog() {
    return this.session.page.getByRole('dialog', { name: sameText(this.t.createPost) });
  }

  async compose(input: GroupPostInput): Promise<void> {
    const { session } = this;
    const { page } = session;
    await session.pause();
    // The prompt is worded per group and build ("Write something...", "Write something to the group…").
    await session.step('GroupComposer.open', () => page.getByRole('main').getByRole('button', { name: textStartingWith(this.t.writeSomething) }).click());
    const dialog = this.dialog();
    await session.find('GroupComposer.dialog', dialog);
    const editor = dialog.getByRole('textbox');
    await session.step('GroupComposer.editor', () => editor.click());
    // The editor drops newlines inserted as text: type each line and press Enter between them.
    const lines = input.text.split(/\r?\n/);
    for (const [index, line] of lines.entries()) {
      if (index > 0) await page.keyboard.press('Enter');
      if (line) await page.keyboard.type(line, { delay: session.pacer.keystrokeMs() });
    }
    if (input.photoPaths.length > 0) {
      await session.pause();
      await session.step('GroupComposer.photos', async () => {
        const chooser = page.waitForEvent('filechooser');
        await dialog.getByRole('button', { name: sameText(this.t.photoVideo) }).click();
        await (await chooser).setFiles(input.photoPaths);
      });
    }
  }

  /**
   * Presses "Post" (the button named exactly that) once it is enabled. `beforeClick` saves state,
   * given the ids of posts with the same text already on the page: the read-back, and a later
   * lookup, accept only a new post by the account (`authorId`, its `c_user`).
   */
  async post(target: { groupId: string; text: string; authorId: string | null }, beforeClick: (existingIds: string[]) => Promise<void>): Promise<GroupPostResult> {
    const { session } = this;
    const button = this.dialog().getByRole('button', { name: sameText(this.t.post) });
    await session.find('GroupComposer.post', button);
    const deadline = Date.now() + session.settings.uploadTimeoutMs;
    while (!(await button.isEnabled())) {
      if (Date.now() > deadline) throw new PublishError('ui_changed', "Facebook's page changed: GroupComposer.post stayed disabled", { code: 'GroupComposer.post' });
      await sleep(100);
    }
    const existingIds = (await this.postsWithText(target.groupId, target.text)).map((post) => post.id);
    await session.pause();
    await beforeClick(existingIds);
    await session.step('GroupComposer.post', () => button.click(), { outcomeUnknown: true });
    return this.readBack(target, new Set(existingIds));
  }

  private async readBack(target: { groupId: string; text: string; authorId: string | null }, existingIds: ReadonlySet<string>): Promise<GroupPostResult> {
    const { session } = this;
    const deadline = Date.now() + session.settings.navigationTimeoutMs;
    while (Date.now() < deadline) {
      session.signal?.throwIfAborted();
      await session.ensureAccess();
      const pending = session.page.getByText(this.t.pending).first();
      if (await pending.isVisible().catch(() => false)) return { status: 'pending', id: await this.pendingId(pending) };
      const found = await this.findPost(target.groupId, target.text, target.authorId, existingIds);
      if (found) return found;
      await sleep(200);
    }
    throw new PublishError('network_error', 'Facebook did not show the group post after Post: it may or may not be published', { outcomeUnknown: true });
  }

  private async pendingId(notice: ReturnType<PageSession['page']['getByText']>): Promise<string | null> {
    const container = notice.locator('xpath=ancestor-or-self::*[@role="alert" or @role="status"][1]');
    const scope = (await container.count()) > 0 ? container : this.session.page.getByRole('main');
    for (const href of await scope.getByRole('link').evaluateAll((links) => links.map((l) => (l as HTMLAnchorElement).href))) {
      const match = PENDING_ID.exec(href);
      if (match) return match[1]!;
    }
    return null;
  }

  /** The posts on the page whose text is `text`, in the page's order: their ids and the links they carry. */
  private async postsWithText(groupId: string, text: string): Promise<{ id: string; url: string; hrefs: string[] }[]> {
    const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? '';
    const wanted = text.replace(/\s+/g, ' ').trim();
    const posts: { id: string; url: string; hrefs: string[] }[] = [];
    for (const article of await this.session.page.getByRole('article').filter({ hasText: firstLine }).all()) {
      if (!(await article.innerText()).replace(/\s+/g, ' ').includes(wanted)) continue;
      const hrefs = await article.getByRole('link').evaluateAll((links) => links.map((l) => (l as HTMLAnchorElement).href));
      const permalink = hrefs.map((href) => POST_LINK.exec(href)).find(Boolean);
      if (permalink) posts.push({ id: permalink[1]!, url: this.session.url(`/groups/${encodeURIComponent(groupId)}/posts/${permalink[1]}/`), hrefs });
    }
    return posts;
  }

  /** The first post on the page whose text is `text`, written by `authorId` when given, that is not one of `except`. */
  async findPost(groupId: string, text: string, authorId: string | null, except: ReadonlySet<string> = new Set()): Promise<GroupPostResult | null> {
    const byAuthor = (hrefs: string[]) => !authorId || hrefs.some((href) => new URL(href).searchParams.get('id') === authorId || href.includes(`/${authorId}`));
    const post = (await this.postsWithText(groupId, text)).find((p) => !except.has(p.id) && byAuthor(p.hrefs));
    return post ? { status: 'posted', id: post.id, url: post.url } : null;
  }

  /** The account's posts waiting for approval in the group, newest first: the one with this text. */
  async findPending(groupId: string, text: string): Promise<GroupPostResult | null> {
    await this.session.open(`/groups/${encodeURIComponent(groupId)}/my_pending_content/`);
    const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? '';
    for (const article of await this.session.page.getByRole('article').filter({ hasText: firstLine }).all()) {
      const hrefs = await article.getByRole('link').evaluateAll((links) => links.map((l) => (l as HTMLAnchorElement).href));
      const id = hrefs.map((href) => PENDING_ID.exec(href)).find(Boolean);
      return { status: 'pending', id: id ? id[1]! : null };
    }
    return null;
  }
}
