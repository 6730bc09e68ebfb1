import { parse } from 'csv-parse/sync';
import { channels, UUID_REGEX, type Channel } from '@autoposter/db';
import { badRequest } from '../plugins/errors.ts';
import { hasNul, nulMessage } from '../plugins/nul-characters.ts';
import type { CreatePostBody } from './post-requests.ts';

/** The columns a CSV of posts may have; `body` and `targets` are required. */
export const IMPORT_COLUMNS = [
  'title',
  'body',
  'price',
  'currency',
  'category',
  'condition',
  'location',
  'link',
  'media',
  'video',
  'targets',
  'scheduled_at',
] as const;
type Column = (typeof IMPORT_COLUMNS)[number];
export type CsvRow = Partial<Record<Column, string>>;

export const MAX_IMPORT_ROWS = 1000;

export interface RowError {
  /** The row's line in the file, the header being row 1 (as a spreadsheet numbers it). */
  row: number;
  field: string;
  error: string;
}

/** What a row refers to by name: looked up for the owner before the rows are converted. */
export interface ImportLookups {
  /** account name (lower case) or id -> account id */
  accounts: Map<string, string>;
  /** uploaded file name -> media id */
  mediaByName: Map<string, string>;
}

/** The rows of a CSV file, or a 400 saying why the file cannot be read. */
export function parseImportCsv(text: string): CsvRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
    });
  } catch (err) {
    throw badRequest(`The CSV cannot be read: ${(err as Error).message}`, 'invalid_csv');
  }
  const header = records[0] ? Object.keys(records[0]) : [];
  const unknown = header.filter((name) => !(IMPORT_COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw badRequest(`Unknown CSV column(s): ${unknown.join(', ')}. Accepted: ${IMPORT_COLUMNS.join(', ')}`, 'invalid_csv');
  }
  if (records.length === 0) throw badRequest('The CSV has no rows under its header', 'invalid_csv');
  for (const required of ['body', 'targets'] as const) {
    if (!header.includes(required)) throw badRequest(`The CSV needs a "${required}" column`, 'invalid_csv');
  }
  if (records.length > MAX_IMPORT_ROWS) throw badRequest(`At most ${MAX_IMPORT_ROWS} rows per file; split it`, 'invalid_csv');
  return records as CsvRow[];
}

const listOf = (cell: string | undefined) =>
  (cell ?? '')
    .split(/[|;\n]/)
    .map((item) => item.trim())
    .filter(Boolean);

/** A media id from an id, or the URL of uploaded media (`.../api/media/<id>`, `.../public/media/<id>?...`). */
function mediaIdOf(reference: string): string | undefined {
  if (UUID_REGEX.test(reference)) return reference.toLowerCase();
  const fromUrl = /\/media\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[/?#]|$)/i.exec(reference);
  return fromUrl?.[1]?.toLowerCase();
}

/** The media references of a row that are file names, to look up before converting; no uploaded file's name holds NUL. */
export function mediaNamesOf(rows: CsvRow[]): string[] {
  return [...new Set(rows.flatMap((row) => [...listOf(row.media), ...listOf(row.video)]).filter((item) => !mediaIdOf(item) && !hasNul(item)))];
}

/** Cells Postgres could not store, each as the row's error. */
function nulCells(row: CsvRow, rowNumber: number): RowError[] {
  return IMPORT_COLUMNS.filter((column) => hasNul(row[column] ?? '')).map((column) => ({ row: rowNumber, field: column, error: nulMessage(column) }));
}

type Converted = { body: CreatePostBody; errors: [] } | { body: null; errors: RowError[] };

/**
 * A CSV row as the body of `POST /api/posts`, or what keeps it from being one. Targets are
 * `channel:account` (`facebook_group:account:group id`), separated by `|` or `;`; the account
 * is its id or its name.
 */
export function rowToPostBody(row: CsvRow, rowNumber: number, lookups: ImportLookups): Converted {
  const unstorable = nulCells(row, rowNumber);
  if (unstorable.length > 0) return { body: null, errors: unstorable };
  const errors: RowError[] = [];
  const fail = (field: string, error: string) => errors.push({ row: rowNumber, field, error });
  const text = (column: Column) => (row[column] ? row[column] : undefined);

  let price: number | undefined;
  if (text('price') !== undefined) {
    price = Number(text('price')!.replace(/,/g, ''));
    if (!Number.isFinite(price)) fail('price', `"${text('price')}" is not a number`);
  }

  const resolveMedia = (reference: string, field: string) => {
    const id = mediaIdOf(reference) ?? lookups.mediaByName.get(reference);
    if (!id) fail(field, `no uploaded media is named "${reference}"; upload it first, or give its id`);
    return id;
  };
  const mediaIds = listOf(row.media).map((reference) => resolveMedia(reference, 'media'));
  const [video, ...extraVideos] = listOf(row.video);
  if (extraVideos.length > 0) fail('video', 'one video per post');
  const videoId = video ? resolveMedia(video, 'video') : undefined;

  const targets: CreatePostBody['targets'] = [];
  const targetCells = listOf(row.targets);
  if (targetCells.length === 0) fail('targets', 'at least one target is needed, e.g. "marketplace:My account"');
  for (const cell of targetCells) {
    const [channel = '', account = '', ...group] = cell.split(':').map((part) => part.trim());
    const groupId = group.join(':');
    if (!(channels as readonly string[]).includes(channel)) {
      fail('targets', `"${cell}": the channel must be one of ${channels.join(', ')}`);
      continue;
    }
    const accountId = lookups.accounts.get(account.toLowerCase());
    if (!accountId) {
      fail('targets', `"${cell}": no account is named "${account}"`);
      continue;
    }
    if (channel === 'facebook_group' && !groupId) fail('targets', `"${cell}": a group target is facebook_group:account:group id`);
    targets.push({ channel: channel as Channel, account_id: accountId, ...(groupId ? { target_id: groupId } : {}) });
  }

  const scheduledAt = text('scheduled_at');
  if (scheduledAt !== undefined && !/(Z|[+-]\d{2}:\d{2})$/.test(scheduledAt)) {
    fail('scheduled_at', `"${scheduledAt}" needs a time zone, e.g. 2030-01-31T09:30:00Z or 2030-01-31T10:30:00+01:00`);
  }

  if (errors.length > 0) return { body: null, errors };
  const body: CreatePostBody = {
    body: row.body ?? '',
    targets,
    ...(text('title') !== undefined ? { title: text('title') } : {}),
    ...(price !== undefined ? { price } : {}),
    ...(text('currency') !== undefined ? { currency: text('currency')!.toUpperCase() } : {}),
    ...(text('category') !== undefined ? { category: text('category') } : {}),
    ...(text('condition') !== undefined ? { condition: text('condition') } : {}),
    ...(text('location') !== undefined ? { location: text('location') } : {}),
    ...(text('link') !== undefined ? { link: text('link') } : {}),
    ...(mediaIds.length > 0 ? { media_ids: mediaIds as string[] } : {}),
    ...(videoId ? { video_media_id: videoId } : {}),
    ...(scheduledAt !== undefined ? { scheduled_at: scheduledAt } : {}),
  };
  return { body, errors: [] };
}

const FIELD_OF: Record<string, string> = { media_ids: 'media', video_media_id: 'video' };

/** "title: marketplace needs a title" or "body.price must be >= 0" as the CSV column it is about. */
export function rowErrorOf(rowNumber: number, message: string): RowError {
  const match = /^(?:body\.)?([a-z_]+)/.exec(message);
  const field = match?.[1] ?? 'row';
  return { row: rowNumber, field: FIELD_OF[field] ?? field, error: message.replace(/^body\./, '') };
}
