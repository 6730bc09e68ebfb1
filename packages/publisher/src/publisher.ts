import type { ErrorType } from './errors.ts';

export type Channel = 'marketplace' | 'facebook_group' | 'facebook_page' | 'instagram';
export type AccountKind = 'facebook_browser' | 'facebook_page' | 'instagram_business';
export type LogLevel = 'INFO' | 'WARNING' | 'ERROR';

/** Decrypted credentials, handed to a publisher only for the duration of one attempt. */
export type AccountCredentials =
  | { storage_state: Record<string, unknown> }
  | { cookies: Record<string, unknown>[] }
  | { page_id: string; access_token: string }
  | { ig_user_id: string; access_token: string; login?: 'facebook' | 'instagram' };

export interface PublishAccount {
  id: string;
  kind: AccountKind;
  name: string;
  credentials: AccountCredentials;
}

export interface PublishMedia {
  id: string;
  mime: string;
  sizeBytes: number;
  width: number | null;
  height: number | null;
  /** Absolute path of the stored file, for publishers that upload bytes. */
  filePath: string;
  /** Signed, expiring public URL, for providers that fetch by URL (Instagram: a JPEG rendition of PNG and WebP). */
  publicUrl: string;
  /** Alternative text of an image, for providers that take it (Instagram's `alt_text`). */
  altText?: string | null;
}

export interface PublishPost {
  id: string;
  title: string | null;
  body: string;
  price: string | null;
  currency: string | null;
  category: string | null;
  condition: string | null;
  location: string | null;
  link: string | null;
  media: PublishMedia[];
  video: PublishMedia | null;
}

export interface PublishRequest {
  deliveryId: string;
  channel: Channel;
  /** Group id for facebook_group; null otherwise. */
  targetId: string | null;
  attemptNo: number;
  /** When the first attempt whose outcome is unknown began: look for posts created since. */
  since: Date;
  post: PublishPost;
  account: PublishAccount;
  /** Aborted on timeout, cancellation or shutdown: stop and throw. */
  signal: AbortSignal;
  /** State an earlier attempt saved with `saveState` (an unpublished post id, a container id). */
  savedState: Record<string, unknown> | null;
  /** Persists provider state before a risky step, so a retry can resume instead of redoing it. */
  saveState(state: Record<string, unknown>): Promise<void>;
  /**
   * The cancel fence: call it right before the call that makes the post public. Throws
   * NoLongerWantedError when the delivery was canceled or its post deleted meanwhile (the
   * attempt then ends `canceled`), or when another worker took the claim over.
   */
  assertStillWanted(): Promise<void>;
  /** A structured line in the delivery's log (shown to the user). */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export interface PublishResult {
  providerPostId: string;
  permalink?: string | null;
  /**
   * Credentials the provider refreshed during the run (a browser's storage state with rotated
   * cookies): stored encrypted in place of the account's, unless a person updated the session
   * meanwhile. `session_updated_at` is left alone.
   */
  refreshedCredentials?: AccountCredentials;
}

export interface SessionCheck {
  valid: boolean;
  message: string;
  /** The check itself failed for a passing reason (network, provider down). */
  temporary?: boolean;
  errorType?: ErrorType;
  /** With a `flow`: whether every element that flow needs was found, and which were not. */
  flowCheck?: { ok: boolean; missing: string[] };
}

export interface SessionCheckOptions {
  /** Also open this flow's form and look for every element it needs, without publishing. */
  flow?: 'marketplace';
}

/** What a worker service supplies to the runtime: how to publish to its channels. */
export interface Publisher {
  readonly channels: readonly Channel[];
  publish(request: PublishRequest): Promise<PublishResult>;
  /**
   * Called before publishing again after an attempt whose outcome is unknown (it died, timed
   * out, or failed after the provider may have accepted the post). Returns the post if it
   * exists, so the runtime adopts it instead of publishing twice.
   */
  findExisting(request: PublishRequest): Promise<PublishResult | null>;
  checkSession?(account: PublishAccount, signal: AbortSignal, options?: SessionCheckOptions): Promise<SessionCheck>;
  close?(): Promise<void>;
}
