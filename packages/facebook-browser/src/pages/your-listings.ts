import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator, Page } from 'playwright-core';
import type { PageSession } from '../page-session.ts';

export const YOUR_LISTINGS_PATH = '/marketplace/you/selling/';
const ITEM_LINK = /\/marketplace\/item\/(\d+)/;

export interface FoundListing {
  id: string;
  url: string;
}

/**
 * Scrolling stops at the list's end: nothing loading for QUIET_MS (a page may wait a moment before
 * it asks for more: the fake waits 250 ms), or no growth for STILL_MS.
 */
const QUIET_MS = 600;
const STILL_MS = 1_500;
const POLL_MS = 50;
const oneSpaced = (text: string) => text.replace(/\s+/g, ' ').trim();

/** A listing's link is its whole card on some builds (price, title, place): one of its lines is the title. */
const holdsTitle = (linkText: string, title: string) => linkText.split('\n').some((line) => oneSpaced(line) === oneSpaced(title));

/** A bound for a list that would grow forever. */
const MAX_SCROLLS = 200;

/** The page's requests in flight, and how long it has been since one started or ended. */
class NetworkActivity {
  private pending = 0;
  private lastChange = Date.now();
  private readonly started = () => this.change(1);
  private readonly ended = () => this.change(-1);

  constructor(private readonly page: Page) {
    page.on('request', this.started);
    page.on('requestfinished', this.ended);
    page.on('requestfailed', this.ended);
  }

  private change(by: number) {
    this.pending = Math.max(0, this.pending + by);
    this.lastChange = Date.now();
  }

  /** Counts from now, as a scroll's request may take a moment to start. */
  touch() {
    this.lastChange = Date.now();
  }

  quietForMs(): number {
    return this.pending > 0 ? 0 : Date.now() - this.lastChange;
  }

  stop() {
    this.page.off('request', this.started);
    this.page.off('requestfinished', this.ended);
    this.page.off('requestfailed', this.ended);
  }
}

/** "Your listings": the account's own listings, loaded in pages as the list is scrolled. */
export class YourListings {
  constructor(private readonly session: PageSession) {}

  async open(): Promise<void> {
    await this.session.open(YOUR_LISTINGS_PATH);
  }

  /**
   * Every listing titled exactly `title`, in the list's order. Scrolls until the list stops
   * growing: a read of only what first shows would miss listings past the first pages.
   */
  async titled(title: string): Promise<FoundListing[]> {
    const { page } = this.session;
    const items = page.getByRole('listitem');
    const network = new NetworkActivity(page);
    try {
      let count = await items.count();
      for (let scrolls = 0; scrolls < MAX_SCROLLS; scrolls++) {
        network.touch();
        await page.mouse.wheel(0, 20_000);
        if (!(await this.grewPast(items, count, network))) break;
        count = await items.count();
      }
    } finally {
      network.stop();
    }
    const found: FoundListing[] = [];
    for (const link of await page.getByRole('link').filter({ hasText: title }).all()) {
      const href = await link.getAttribute('href');
      const match = href ? ITEM_LINK.exec(href) : null;
      if (match && holdsTitle(await link.innerText(), title)) found.push({ id: match[1]!, url: this.session.url(`/marketplace/item/${match[1]}/`) });
    }
    return found;
  }

  /**
   * True once the list holds more than `count` items; false at its end: nothing loading for a
   * quiet spell after the scroll, or no growth for long at all (a page that never stops talking).
   */
  private async grewPast(items: Locator, count: number, network: NetworkActivity): Promise<boolean> {
    const started = Date.now();
    while (Date.now() - started < STILL_MS) {
      if ((await items.count()) > count) return true;
      if (network.quietForMs() >= QUIET_MS) return false;
      await sleep(POLL_MS);
    }
    return (await items.count()) > count;
  }

  /** The first listing titled `title` that is not one of `except` (listings that were there before). */
  async find(title: string, except: ReadonlySet<string> = new Set()): Promise<FoundListing | null> {
    return (await this.titled(title)).find((listing) => !except.has(listing.id)) ?? null;
  }
}
