import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator } from 'playwright-core';
import { PublishError } from '@autoposter/publisher';
import { optionName } from '../locales.ts';
import type { PageSession } from '../page-session.ts';
import { sameText } from '../text-match.ts';

export interface ListingInput {
  title: string;
  price: string;
  /** English (US) option names: found in the account's language through the locale tables. */
  category: string | null;
  condition: string | null;
  description: string;
  location: string | null;
  photoPaths: string[];
}

export interface PublishedListing {
  id: string;
  url: string;
  duplicateNotice: string | null;
}

export const CREATE_ITEM_PATH = '/marketplace/create/item';
const MAX_NEXT_STEPS = 3;
const ITEM_PATH = /\/marketplace\/item\/(\d+)/;
/** How often the form is looked at while a button stays disabled or after Publish, when no event says it changed. */
const READ_BACK_POLL_MS = 200;
const ENABLED_POLL_MS = 25;

/** Facebook's "Item for sale" form at /marketplace/create/item. */
export class MarketplaceForm {
  constructor(private readonly session: PageSession) {}

  private get t() {
    return this.session.texts.marketplaceForm;
  }

  private get page() {
    return this.session.page;
  }

  async open(): Promise<void> {
    await this.session.open(CREATE_ITEM_PATH);
    // Dialogs that pop over the form: stay on it, and decline boosting.
    await this.page.addLocatorHandler(this.page.getByRole('dialog', { name: this.t.leaveDialog }), async (dialog) => {
      await dialog.getByRole('button', { name: sameText(this.t.stay) }).click();
    });
  }

  /** The fields the flow needs, by element name; the ones not found are returned (the flow check). */
  async missingFields(): Promise<string[]> {
    const checks: [string, () => Locator][] = [
      ['MarketplaceForm.photos', () => this.addPhotosButton()],
      ['MarketplaceForm.title', () => this.textField(this.t.title)],
      ['MarketplaceForm.price', () => this.textField(this.t.price)],
      ['MarketplaceForm.category', () => this.combobox(this.t.category)],
      ['MarketplaceForm.condition', () => this.combobox(this.t.condition)],
      ['MarketplaceForm.location', () => this.locationField()],
      // A form of one page has Publish where others have Next.
      ['MarketplaceForm.next', () => this.nextButton().or(this.publishButton())],
    ];
    const missing: string[] = [];
    for (const [name, locate] of checks) {
      const found = await locate().first().waitFor({ state: 'visible', timeout: this.session.settings.elementTimeoutMs }).then(() => true, () => false);
      if (!found) missing.push(name);
    }
    if (!(await this.descriptionField(false).then(() => true, () => false))) missing.push('MarketplaceForm.description');
    return missing;
  }

  async fill(listing: ListingInput): Promise<void> {
    const { session } = this;
    if (listing.photoPaths.length > 0) await this.attachPhotos(listing.photoPaths);
    await session.pause();
    await session.step('MarketplaceForm.title', () => session.type(this.textField(this.t.title), listing.title));
    await session.pause();
    await session.step('MarketplaceForm.price', () => session.type(this.textField(this.t.price), listing.price));
    if (listing.category) await this.choose('MarketplaceForm.category', this.t.category, optionName(session.texts.categories, listing.category));
    if (listing.condition) await this.choose('MarketplaceForm.condition', this.t.condition, optionName(session.texts.conditions, listing.condition));
    if (listing.description) {
      await session.pause();
      const description = await this.descriptionField(true);
      await session.step('MarketplaceForm.description', () => session.type(description, listing.description));
    }
    if (listing.location) await this.chooseLocation(listing.location);
  }

  /** All photos at once through the one file input, reached as a person would: the "Add photos" button. */
  private async attachPhotos(paths: string[]) {
    await this.session.step('MarketplaceForm.photos', async () => {
      const chooser = this.page.waitForEvent('filechooser');
      await this.addPhotosButton().click();
      await (await chooser).setFiles(paths);
    });
  }

  private addPhotosButton() {
    return this.page.getByRole('button', { name: sameText(this.t.addPhotos) });
  }

  private textField(label: string) {
    return this.page.getByLabel(sameText(label));
  }

  private combobox(label: string) {
    return this.page.getByRole('combobox', { name: sameText(label) });
  }

  private locationField() {
    return this.page.getByRole('combobox', { name: sameText(this.t.location) }).or(this.textField(this.t.location));
  }

  /** The description, opening "More details" when it is behind it. */
  private async descriptionField(open: boolean): Promise<Locator> {
    const field = this.textField(this.t.description);
    if (await field.isVisible()) return field;
    const more = this.page.getByRole('button', { name: sameText(this.t.moreDetails) });
    if (open && (await more.isVisible())) {
      await this.session.step('MarketplaceForm.moreDetails', () => more.click());
    } else if (!open) {
      if (!(await more.isVisible())) throw new Error('no description field');
      return field;
    }
    return this.session.find('MarketplaceForm.description', field);
  }

  /** A select: open its combobox, then pick the option by its visible text (the list opens in a portal). */
  private async choose(element: string, label: string, option: string) {
    const { session } = this;
    await session.pause();
    await session.step(element, () => this.combobox(label).click());
    await session.pause();
    await session.step(`${element}Option`, async () => {
      const candidate = this.page.getByRole('listbox').getByRole('option', { name: sameText(option) });
      await candidate.click().catch(async (error: unknown) => {
        if (!(await this.page.getByRole('listbox').isVisible())) throw error;
        throw new PublishError('validation_error', `${element}: Facebook offers no option "${option}"`, { cause: error });
      });
    });
  }

  /** Types the place, then picks the suggestion that matches it (not merely the first). */
  private async chooseLocation(place: string) {
    const { session } = this;
    await session.pause();
    const field = this.locationField();
    await session.step('MarketplaceForm.location', () => session.type(field, place));
    const options = this.page.getByRole('listbox').getByRole('option');
    await session.step('MarketplaceForm.locationOption', () => options.first().waitFor({ state: 'visible' }));
    const names = (await options.allInnerTexts()).map((name) => name.trim());
    const index = bestPlace(names, place);
    if (index < 0) {
      throw new PublishError('validation_error', `Facebook suggests no place matching "${place}" (it offered: ${names.join('; ') || 'nothing'})`);
    }
    await session.pause();
    await session.step('MarketplaceForm.locationOption', () => options.nth(index).click());
  }

  /**
   * Goes through the form's Next steps (up to three), switching "Boost listing" off where it
   * shows; Next stays disabled while photos upload, so each wait is bounded by the upload timeout.
   */
  async advanceToPublish(): Promise<void> {
    const { session } = this;
    for (let step = 0; step < MAX_NEXT_STEPS; step++) {
      await this.switchOffBoost();
      if (await this.publishButton().isVisible()) return;
      const next = this.nextButton();
      await session.find('MarketplaceForm.next', next);
      await session.pause();
      await this.clickWhenEnabled('MarketplaceForm.next', next);
    }
    await this.switchOffBoost();
    await session.find('MarketplaceForm.publish', this.publishButton());
  }

  private nextButton() {
    return this.page.getByRole('button', { name: sameText(this.t.next) });
  }

  private publishButton() {
    return this.page.getByRole('button', { name: sameText(this.t.publish) });
  }

  /** A div with aria-checked or a native checkbox with role=switch: `isChecked` reads both. */
  private async switchOffBoost() {
    const boost = this.page.getByRole('switch', { name: sameText(this.t.boostSwitch) });
    if ((await boost.isVisible()) && (await boost.isChecked())) {
      await this.session.step('MarketplaceForm.boostSwitch', () => boost.click());
    }
  }

  /** Buttons stay `aria-disabled` while photos upload: wait (bounded) before the page counts as broken. */
  private async clickWhenEnabled(element: string, button: Locator, options: { outcomeUnknown?: boolean } = {}) {
    await this.waitUntilEnabled(element, button);
    await this.session.step(element, () => button.click(), options);
  }

  private async waitUntilEnabled(element: string, button: Locator) {
    const { settings } = this.session;
    const deadline = Date.now() + settings.uploadTimeoutMs;
    while (!(await button.isEnabled())) {
      this.session.signal?.throwIfAborted();
      if (Date.now() > deadline) {
        const uploading = await this.page.getByText(this.t.uploading).first().isVisible();
        throw uploading
          ? new PublishError('network_error', `Photos were still uploading after ${Math.round(settings.uploadTimeoutMs / 1000)}s`)
          : new PublishError('ui_changed', `Facebook's page changed: ${element} stayed disabled (a field the flow filled was not accepted)`, { code: element });
      }
      await sleep(ENABLED_POLL_MS);
    }
  }

  /**
   * The final click. `beforeClick` runs right before it (the caller saves state there); after
   * it the outcome is unknown until Facebook shows the listing.
   */
  async publish(beforeClick: () => Promise<void>): Promise<PublishedListing> {
    const { session } = this;
    const publish = this.publishButton();
    await session.find('MarketplaceForm.publish', publish);
    await session.pause();
    await this.waitUntilEnabled('MarketplaceForm.publish', publish);
    await beforeClick();
    await session.step('MarketplaceForm.publish', () => publish.click(), { outcomeUnknown: true });
    return this.readBack();
  }

  /** After Publish: the listing's page (its id in the URL), a block notice, or a lost session. */
  private async readBack(): Promise<PublishedListing> {
    const { session } = this;
    const deadline = Date.now() + session.settings.navigationTimeoutMs;
    while (Date.now() < deadline) {
      session.signal?.throwIfAborted();
      const match = ITEM_PATH.exec(new URL(this.page.url()).pathname);
      if (match) {
        await this.page.waitForLoadState('domcontentloaded');
        return { id: match[1]!, url: session.url(`/marketplace/item/${match[1]}/`), duplicateNotice: await this.duplicateNotice() };
      }
      const problem = await session.accessProblem();
      if (problem) throw session.accessError(problem);
      const declined = await this.declineBoost();
      await this.nextChange({ boostMayShow: !declined });
    }
    throw new PublishError('network_error', 'Facebook did not show the listing after Publish: it may or may not be published', { outcomeUnknown: true });
  }

  /**
   * Waits until the listing's page is reached or the Boost dialog shows, or a short while:
   * what else can happen (a block notice, the login page) is looked for between waits.
   */
  private async nextChange({ boostMayShow }: { boostMayShow: boolean }): Promise<void> {
    const wait = { timeout: READ_BACK_POLL_MS };
    const changes = [this.page.waitForURL(ITEM_PATH, { ...wait, waitUntil: 'commit' })];
    if (boostMayShow) changes.push(this.boostDialog().waitFor({ state: 'visible', ...wait }));
    await Promise.race(changes.map((change) => change.catch(() => undefined)));
  }

  private boostDialog() {
    return this.page.getByRole('dialog', { name: this.t.boostDialog });
  }

  /** Facebook offers to boost the new listing: "Not now". True when it did. */
  private async declineBoost(): Promise<boolean> {
    const dialog = this.boostDialog();
    if (!(await dialog.isVisible().catch(() => false))) return false;
    await this.session.pause();
    await this.session.step('BoostDialog.notNow', () => dialog.getByRole('button', { name: sameText(this.t.notNow) }).click(), { outcomeUnknown: true });
    return true;
  }

  private async duplicateNotice(): Promise<string | null> {
    const notice = this.page.getByText(this.session.texts.duplicateNotice).first();
    return (await notice.isVisible().catch(() => false)) ? (await notice.innerText()).trim() : null;
  }
}

const normalise = (text: string) => text.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').replace(/\s+/g, ' ').trim();

/** The suggestion that is the place asked for: the same name, else one that starts with it, else -1. */
export function bestPlace(names: string[], place: string): number {
  const wanted = normalise(place);
  const exact = names.findIndex((name) => normalise(name) === wanted);
  if (exact >= 0) return exact;
  const prefix = names.findIndex((name) => normalise(name).startsWith(wanted));
  if (prefix >= 0) return prefix;
  const words = wanted.split(/[ ,]+/).filter(Boolean);
  return names.findIndex((name) => words.every((word) => normalise(name).includes(word)));
}
