import { randomBytes, randomInt } from 'node:crypto';
import type { FakeLocale } from './texts.ts';

export interface FakeAccount {
  /** The `c_user` cookie: Facebook's numeric user id. */
  userId: string;
  /** The `xs` cookie: the session secret. */
  xs: string;
  name: string;
  locale: FakeLocale;
  email: string | null;
  password: string | null;
  /** How its pages are built; null: the fake's default (`FakeState.layout`). */
  layout: Layout | null;
  /** The `fb_dtsg` form token its pages embed, as Facebook's do (evidence must never keep it). */
  formToken: string;
}

/**
 * How the pages are built. `classic`: the fake's first markup. `alt`: the same roles, accessible
 * names and visible texts in another structure (native elements, other labelling, inline
 * listboxes, the Description shown at once, `nextSteps` Next steps before Publish where classic
 * has two) and the small wording differences another build of Facebook shows (case, "…").
 */
export type Layout = { name: 'classic' } | { name: 'alt'; nextSteps: AltNextSteps };
export type AltNextSteps = 0 | 1 | 2 | 3;
export type LayoutName = Layout['name'];
export const CLASSIC: Layout = { name: 'classic' };

/** A layout as the control API takes it (`layout`, `next_steps`); a string says what is wrong. */
export function parseLayout(body: { layout?: unknown; next_steps?: unknown }): Layout | string {
  if (body.layout === 'classic' && body.next_steps === undefined) return CLASSIC;
  if (body.layout !== 'alt') return 'layout must be "classic" or "alt" (next_steps only with "alt")';
  const nextSteps = body.next_steps ?? 0;
  if (nextSteps !== 0 && nextSteps !== 1 && nextSteps !== 2 && nextSteps !== 3) return 'next_steps must be 0, 1, 2 or 3';
  return { name: 'alt', nextSteps };
}

export type FormField = 'photos' | 'title' | 'price' | 'category' | 'condition' | 'description' | 'location';

/** A fault scripted for one account; `times` uses it up (absent: until cleared). */
export type Fault =
  /** Every page redirects to the login form. */
  | { kind: 'session_expired' }
  /**
   * Every page shows a logged-out visitor's view at the address asked for, with no redirect, as
   * Facebook does at `/` and on public groups: its login form, or with `as_visitor` the content's
   * public view ("This content isn't available right now"). `clear_cookies` also deletes
   * `c_user` and `xs`, as Facebook does when it ends a session.
   */
  | { kind: 'logged_out_in_place'; as_visitor?: boolean; clear_cookies?: boolean }
  /** Every page declares this interface language in `<html lang>` (an account set to a language the worker has no table for). */
  | { kind: 'interface_language'; lang: string }
  /** Every page redirects to an identity checkpoint (`/checkpoint/`), or with `two_step` to two-step verification. */
  | { kind: 'checkpoint'; two_step?: boolean }
  /** Every page shows a captcha ("Security check") over itself, at its own address. */
  | { kind: 'captcha' }
  /** Publishing answers with the "You're Going Too Fast" block notice. */
  | { kind: 'block' }
  /** A form field's visible label is another word (Facebook changed its form). */
  | { kind: 'renamed_field'; field: FormField; label?: string }
  /** Each photo upload takes this long. */
  | { kind: 'slow_upload'; ms: number }
  /** The server stores the listing or post, then never answers. */
  | { kind: 'publish_hang' }
  /** Publishing takes this long before the listing or post is stored and the call answers. */
  | { kind: 'slow_publish'; ms: number }
  /** The page shows a "Leave page?" dialog over the form once it loads. */
  | { kind: 'leave_dialog' };

export interface ScriptedFault {
  fault: Fault;
  remaining: number | null;
}

export interface Listing {
  id: string;
  userId: string;
  title: string;
  price: string;
  category: string;
  condition: string;
  description: string;
  location: string;
  photoCount: number;
  boosted: boolean;
  createdAt: string;
}

export interface GroupPost {
  id: string;
  groupId: string;
  userId: string;
  text: string;
  photoCount: number;
  status: 'posted' | 'pending';
  createdAt: string;
}

export interface Group {
  id: string;
  name: string;
  /** Posts wait for an admin's approval. */
  approval: boolean;
}

/** Numeric ids, as Facebook's are. */
export const numericId = () => `${randomInt(1, 9)}${Array.from({ length: 14 }, () => randomInt(0, 10)).join('')}`;
export const sessionSecret = () => randomBytes(18).toString('base64url');
const formToken = () => `NA${randomBytes(24).toString('base64url')}`;

export class FakeState {
  readonly accounts = new Map<string, FakeAccount>();
  readonly groups = new Map<string, Group>();
  readonly listings: Listing[] = [];
  readonly groupPosts: GroupPost[] = [];
  /** Uploaded photo tokens, by the account that uploaded them. */
  readonly uploads = new Map<string, string>();
  private readonly faults = new Map<string, ScriptedFault[]>();
  /** The layout of accounts that have none of their own. */
  layout: Layout = CLASSIC;
  /** Every request the pages made, newest last: path and which account (tests check cookies never mix). */
  readonly requests: { path: string; userId: string | null; cookieUsers: string[] }[] = [];

  addAccount(input: Partial<FakeAccount> & { name?: string }): FakeAccount {
    const account: FakeAccount = {
      userId: input.userId ?? numericId(),
      xs: input.xs ?? sessionSecret(),
      name: input.name ?? 'Test Seller',
      locale: input.locale ?? 'en_US',
      email: input.email ?? null,
      password: input.password ?? null,
      layout: input.layout ?? null,
      formToken: input.formToken ?? formToken(),
    };
    this.accounts.set(account.userId, account);
    return account;
  }

  addGroup(input: Partial<Group>): Group {
    const group: Group = { id: input.id ?? numericId(), name: input.name ?? 'Neighbourhood Buy & Sell', approval: input.approval ?? false };
    this.groups.set(group.id, group);
    return group;
  }

  script(userId: string, fault: Fault, times?: number) {
    const list = this.faults.get(userId) ?? [];
    list.push({ fault, remaining: times ?? null });
    this.faults.set(userId, list);
  }

  clearFaults(userId?: string, kind?: Fault['kind']) {
    if (userId && kind) this.faults.set(userId, (this.faults.get(userId) ?? []).filter((f) => f.fault.kind !== kind));
    else if (userId) this.faults.delete(userId);
    else this.faults.clear();
  }

  /** The active fault of this kind for the account, used up by one when `consume` is set. */
  fault<K extends Fault['kind']>(userId: string, kind: K, consume = true): Extract<Fault, { kind: K }> | null {
    const list = this.faults.get(userId) ?? [];
    const entry = list.find((f) => f.fault.kind === kind);
    if (!entry) return null;
    if (consume && entry.remaining !== null) {
      entry.remaining -= 1;
      if (entry.remaining <= 0) list.splice(list.indexOf(entry), 1);
    }
    return entry.fault as Extract<Fault, { kind: K }>;
  }

  layoutOf(account: FakeAccount | null): Layout {
    return account?.layout ?? this.layout;
  }

  listingsOf(userId: string): Listing[] {
    return this.listings.filter((l) => l.userId === userId).reverse();
  }

  reset() {
    this.accounts.clear();
    this.groups.clear();
    this.listings.length = 0;
    this.groupPosts.length = 0;
    this.uploads.clear();
    this.faults.clear();
    this.requests.length = 0;
    this.layout = CLASSIC;
  }
}
