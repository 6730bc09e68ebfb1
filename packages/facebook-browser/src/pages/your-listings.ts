import type { PageSession } from '../page-session.ts';

export const YOUR_LISTINGS_PATH = '/marketplace/you/selling/';
const ITEM_LINK = /\/marketplace\/item\/(\d+)/;

export interface FoundListing {
  id: string;
  url: string;
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
    let count = -1;
    for (let still = 0; still < 3; ) {
      const now = await items.count();
      still = now === count ? still + 1 : 0;
      count = now;
      await page.mouse.wheel(0, 20_000);
      await page.waitForTimeout(still === 0 ? 150 : 400);
    }
    const found: FoundListing[] = [];
    for (const link of await page.getByRole('link').filter({ hasText: title }).all()) {
      const text = (await link.innerText()).trim();
      const href = await link.getAttribute('href');
      const match = href ? ITEM_LINK.exec(href) : null;
      if (match && text === title.trim()) found.push({ id: match[1]!, url: this.session.url(`/marketplace/item/${match[1]}/`) });
    }
    return found;
  }

  /** The first listing titled `title` that is not one of `except` (listings that were there before). */
  async find(title: string, except: ReadonlySet<string> = new Set()): Promise<FoundListing | null> {
    return (await this.titled(title)).find((listing) => !except.has(listing.id)) ?? null;
  }
}
