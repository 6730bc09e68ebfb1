import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { UseCaseError } from '@autoposter/engine';
import { listAccounts } from '@autoposter/db/repositories/accounts';
import { findMediaIdsByName } from '@autoposter/db/repositories/media-names';
import { HttpError, badRequest, describeValidation, multipartError, type ValidationIssue } from '../plugins/errors.ts';
import { createPost } from '../posts/post-commands.ts';
import { mediaNamesOf, parseImportCsv, rowErrorOf, rowToPostBody, type ImportLookups, type RowError } from '../posts/post-import.ts';
import { CreatePostBody } from '../posts/post-requests.ts';
import { ErrorBody, Uuid, errorResponses } from '../schemas/common.ts';

const MAX_CSV_BYTES = 2 * 1024 * 1024;

const RowErrorBody = Type.Object({
  row: Type.Integer({ description: "the row's line in the file; the header is row 1" }),
  field: Type.String({ description: 'the CSV column' }),
  error: Type.String(),
});

const ImportResult = Type.Object({
  created: Type.Array(Uuid, { description: 'ids of the posts created, in row order' }),
  errors: Type.Array(RowErrorBody),
  total_rows: Type.Integer(),
  valid_rows: Type.Array(Type.Integer(), { description: 'rows that are (or would be) imported' }),
});

const ImportRefused = Type.Object({
  ...ErrorBody.properties,
  errors: Type.Optional(Type.Array(RowErrorBody, { description: 'each row error, when rows were read' })),
  created: Type.Optional(Type.Array(Uuid)),
});

const ImportQuery = Type.Object({
  valid_only: Type.Integer({ minimum: 0, maximum: 1, default: 0, description: '1: import the valid rows of a file with errors' }),
  dry_run: Type.Integer({ minimum: 0, maximum: 1, default: 0, description: '1: check every row and create nothing (a preview)' }),
});

/** Thrown inside the import transaction to roll back what the valid rows created. */
class RollBack extends Error {}

function rowErrorsOf(rowNumber: number, err: unknown): RowError[] {
  if (err instanceof HttpError && err.statusCode === 400) {
    const messages = (err.details as string[] | undefined) ?? [err.message];
    return messages.map((message) => rowErrorOf(rowNumber, String(message)));
  }
  if (err instanceof UseCaseError && err.kind === 'invalid') return [rowErrorOf(rowNumber, err.message)];
  throw err;
}

export const postImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(multipart, { limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 5 } });
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/import',
    {
      schema: {
        operationId: 'importPosts',
        tags: ['posts'],
        summary: 'Create posts from a CSV file, checked row by row',
        description:
          'Multipart, field `file`. Columns: title, body, price, currency, category, condition, location, link, media (uploaded file names, ids or media URLs, separated by `|`), video, targets (`channel:account` or `facebook_group:account:group id`, the account by name or id, separated by `|`), scheduled_at (ISO 8601 with a zone). Every row goes through the checks of POST /api/posts; a cell holding the NUL character (\\u0000) is an error of its row and column. A file with any error creates nothing (400 listing the errors) unless `valid_only=1`; `dry_run=1` checks and creates nothing.',
        consumes: ['multipart/form-data'],
        querystring: ImportQuery,
        response: { 200: ImportResult, 201: ImportResult, 400: ImportRefused, ...errorResponses(401, 413) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw badRequest('Send the CSV as multipart/form-data in the field "file"', 'missing_file');
      const part = await request.file().catch((err: unknown) => {
        throw multipartError(err);
      });
      if (!part || part.fieldname !== 'file') {
        part?.file.resume();
        throw badRequest('Send the CSV in the multipart field "file"', 'missing_file');
      }
      const buffer = await part.toBuffer().catch((err: unknown) => {
        throw multipartError(err);
      });
      const rows = parseImportCsv(buffer.toString('utf8'));
      const userId = request.user.id;

      const accounts = await listAccounts(app.db, userId);
      const names = new Map<string, string[]>();
      for (const account of accounts) names.set(account.name.toLowerCase(), [...(names.get(account.name.toLowerCase()) ?? []), account.id]);
      const lookups: ImportLookups = {
        accounts: new Map([
          ...[...names].filter(([, ids]) => ids.length === 1).map(([name, ids]) => [name, ids[0]!] as const),
          ...accounts.map((account) => [account.id, account.id] as const),
        ]),
        mediaByName: await findMediaIdsByName(app.db, userId, mediaNamesOf(rows)),
      };
      const validate = request.compileValidationSchema(CreatePostBody, 'body');

      const errors: RowError[] = [];
      const created: { row: number; id: string; scheduled: boolean }[] = [];
      const { valid_only: validOnly, dry_run: dryRun } = request.query;
      try {
        await app.db.transaction(async (tx) => {
          for (const [index, row] of rows.entries()) {
            const rowNumber = index + 2;
            const converted = rowToPostBody(row, rowNumber, lookups);
            if (!converted.body) {
              errors.push(...converted.errors);
              continue;
            }
            if (!validate(converted.body)) {
              const issues = (validate.errors ?? []) as unknown as ValidationIssue[];
              errors.push(...issues.map((issue) => rowErrorOf(rowNumber, describeValidation('body', issue))));
              continue;
            }
            const body = converted.body;
            // A savepoint per row: a row Postgres refuses leaves the others' work intact.
            const post = await tx.transaction((savepoint) => createPost(savepoint, userId, body)).catch((err: unknown) => {
              errors.push(...rowErrorsOf(rowNumber, err));
              return null;
            });
            if (post) created.push({ row: rowNumber, id: post.id, scheduled: Boolean(body.scheduled_at) });
          }
          if (dryRun === 1 || (errors.length > 0 && validOnly !== 1) || created.length === 0) throw new RollBack();
        });
      } catch (err) {
        if (!(err instanceof RollBack)) throw err;
        const validRows = created.map((post) => post.row);
        if (dryRun === 1) return reply.code(200).send({ created: [], errors, total_rows: rows.length, valid_rows: validRows });
        return reply.code(400).send({
          error:
            validOnly === 1
              ? 'No row of this file can be imported; fix the errors listed'
              : `${new Set(errors.map((error) => error.row)).size} row(s) have errors, so nothing was imported. Fix them, or import the valid rows with ?valid_only=1`,
          code: 'import_invalid',
          errors,
          created: [],
        });
      }

      for (const post of created.filter((item) => item.scheduled)) {
        await app.engine
          .scheduleCreatedPost(userId, post.id)
          .catch((err: unknown) => request.log.warn({ err }, 'imported scheduled post left to the dispatch pass'));
      }
      return reply.code(201).send({
        created: created.map((post) => post.id),
        errors,
        total_rows: rows.length,
        valid_rows: created.map((post) => post.row),
      });
    },
  );
};
