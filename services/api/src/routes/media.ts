import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import Type from 'typebox';
import {
  DamagedMediaError,
  IncompleteUploadError,
  MediaTooLargeError,
  UnsupportedMediaError,
  acceptedMediaTypes,
  decodeStoredImage,
  openMediaFile,
  removeMediaFile,
  saveUpload,
  type SavedMedia,
} from '@autoposter/media';
import { createMedia, findMedia, setMediaAltText, type Media } from '@autoposter/db/repositories/media';
import { HttpError, badRequest, malformedUpload, multipartError, notFound, oneFileOnly } from '../plugins/errors.ts';
import { hasNul, nulMessage, withoutNul } from '../plugins/nul-characters.ts';
import { IdParams, Timestamp, Uuid, errorResponses } from '../schemas/common.ts';

export const mediaMimeTypes = acceptedMediaTypes.map((type) => type.mime);

const MediaBody = Type.Object({
  id: Uuid,
  mime: Type.Enum(mediaMimeTypes),
  size_bytes: Type.Integer(),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  width: Type.Optional(Type.Integer({ description: 'images only' })),
  height: Type.Optional(Type.Integer({ description: 'images only' })),
  alt_text: Type.Union([Type.String(), Type.Null()], { description: "an image's alternative text (sent to Instagram)" }),
  created_at: Timestamp,
});

const ALT_TEXT_MAX = 1000;
const AltTextBody = Type.Object(
  { alt_text: Type.Union([Type.String({ maxLength: ALT_TEXT_MAX }), Type.Null()], { description: 'null clears it' }) },
  { additionalProperties: false },
);

/** The stored bytes, for the OpenAPI document; the handler streams them. */
export const MediaFile = Type.String({ description: 'the file, with its own Content-Type' });

const mediaView = (row: Media) => ({
  id: row.id,
  mime: row.mime,
  size_bytes: row.sizeBytes,
  sha256: row.sha256,
  ...(row.width !== null && { width: row.width }),
  ...(row.height !== null && { height: row.height }),
  alt_text: row.altText,
  created_at: row.createdAt.toISOString(),
});

/** `alt_text` sent as a form field; empty means none. */
function altTextField(raw: unknown): string | null {
  const value = withoutNul(String(raw ?? ''), 'body.alt_text').trim();
  if (value.length > ALT_TEXT_MAX) throw badRequest(`body.alt_text must be at most ${ALT_TEXT_MAX} characters`);
  return value || null;
}

/** Streams a stored file; 404 when its bytes are gone from disk. */
export async function sendStoredMedia(reply: FastifyReply, dir: string, row: Media, rendition?: 'jpeg') {
  // An image that needed no rendition is its own JPEG.
  const jpeg = rendition === 'jpeg' ? row.jpegRendition : null;
  const file = await openMediaFile(dir, jpeg ? jpeg.storage_key : row.storageKey);
  if (!file) throw notFound('Media');
  return reply.type(jpeg ? 'image/jpeg' : row.mime).header('content-length', file.sizeBytes).send(file.stream);
}

/** Errors from reading the upload, as the contract's 4xx; anything else stays a server error. */
function uploadError(err: unknown): unknown {
  if (err instanceof UnsupportedMediaError) return badRequest(err.message, 'unsupported_media_type');
  if (err instanceof DamagedMediaError) return badRequest(err.message, 'damaged_media');
  if (err instanceof MediaTooLargeError) return new HttpError(413, 'payload_too_large', err.message);
  if (err instanceof IncompleteUploadError) return malformedUpload();
  return err;
}

/**
 * Decodes an uploaded image in full (video is checked structurally only), returning the JPEG
 * rendition Instagram needs of a PNG, a WebP or a JPEG wider than 1440 px. An image that passed
 * the type and completeness checks but does not decode is a 400 `damaged_media`.
 */
async function decodedImage(dir: string, saved: SavedMedia) {
  if (saved.width === null || saved.height === null) return null;
  return decodeStoredImage(dir, { ...saved, width: saved.width, height: saved.height }).catch((err: unknown) => {
    throw uploadError(err);
  });
}

const missingFile = () => badRequest('Send the file in the multipart field "file"', 'missing_file');

/** Why a file part is refused before its bytes are read, if it is. */
function partRefusal(part: { fieldname: string; filename: string }, alreadyHaveOne: boolean): HttpError | null {
  if (part.fieldname !== 'file') return missingFile();
  if (alreadyHaveOne) return oneFileOnly();
  // The name is kept as a label.
  if (hasNul(part.filename)) return badRequest(nulMessage('The file name'), 'invalid_filename');
  return null;
}

export const mediaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { dir, maxImageBytes, maxVideoBytes } = app.config.media;
  await app.register(multipart, { limits: { fileSize: Math.max(maxImageBytes, maxVideoBytes), files: 1, fields: 10 } });
  app.addHook('onRequest', app.authenticate);

  app.post(
    '/',
    {
      schema: {
        operationId: 'uploadMedia',
        summary: 'Upload an image or video',
        tags: ['media'],
        consumes: ['multipart/form-data'],
        description:
          'Upload one JPEG, PNG or WebP image, or MP4 video, in the multipart field `file`; an image may have an `alt_text` field. One file per request: a second file part is a 400 `too_many_files`. A file cut short or damaged, an image whose data does not decode in full (every image is decoded at upload), or one whose dimensions are out of range, is a 400 `damaged_media`; a NUL character (\\u0000) in the file name is a 400 `invalid_filename`, in `alt_text` a 400 `validation_error`. PNG, WebP and images wider than 1440 px also get a JPEG rendition, which Instagram is given.',
        response: { 201: MediaBody, ...errorResponses(400, 401, 413) },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw badRequest('Send the file as multipart/form-data in the field "file"', 'missing_file');
      const ownerId = request.user.id;
      const mediaId = randomUUID();
      let upload: { saved: SavedMedia; originalName: string | null } | undefined;
      let altText: string | null = null;
      try {
        for await (const part of request.parts()) {
          if (part.type !== 'file') {
            if (part.fieldname === 'alt_text') altText = altTextField(part.value);
            continue;
          }
          const refusal = partRefusal(part, upload !== undefined);
          if (refusal) {
            part.file.resume();
            throw refusal;
          }
          const saved = await saveUpload({
            dir,
            ownerId,
            mediaId,
            source: part.file,
            maxBytes: (type) => (type.kind === 'image' ? maxImageBytes : maxVideoBytes),
          }).catch((err: unknown) => {
            throw uploadError(err);
          });
          upload = { saved, originalName: part.filename || null };
        }
      } catch (err) {
        if (upload) await removeMediaFile(dir, upload.saved.storageKey);
        throw err instanceof HttpError || (err as NodeJS.ErrnoException).syscall ? err : multipartError(err);
      }
      if (!upload) throw missingFile();
      const { saved, originalName } = upload;
      const stored = async () => {
        const jpegRendition = await decodedImage(dir, saved);
        try {
          const isImage = saved.mime.startsWith('image/');
          if (altText && !isImage) throw badRequest('body.alt_text applies to images only');
          return await createMedia(app.db, ownerId, { id: mediaId, originalName, ...saved, altText, jpegRendition });
        } catch (err) {
          if (jpegRendition) await removeMediaFile(dir, jpegRendition.storage_key);
          throw err;
        }
      };
      const row = await stored().catch(async (err: unknown) => {
        await removeMediaFile(dir, saved.storageKey);
        throw err;
      });
      return reply.code(201).send(mediaView(row));
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        operationId: 'getMedia',
        summary: 'An uploaded file (owner only)',
        tags: ['media'],
        params: IdParams,
        produces: mediaMimeTypes,
        response: { 200: MediaFile, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const row = await findMedia(app.db, request.user.id, request.params.id);
      if (!row) throw notFound('Media');
      return sendStoredMedia(reply, dir, row);
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        operationId: 'updateMedia',
        tags: ['media'],
        summary: "Sets an image's alternative text",
        params: IdParams,
        body: AltTextBody,
        response: { 200: MediaBody, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const current = await findMedia(app.db, request.user.id, id);
      if (!current) throw notFound('Media');
      if (!current.mime.startsWith('image/')) throw badRequest('body.alt_text applies to images only');
      const altText = request.body.alt_text?.trim() || null;
      const row = await setMediaAltText(app.db, request.user.id, id, altText);
      if (!row) throw notFound('Media');
      return mediaView(row);
    },
  );
};
