import Type from 'typebox';
import { UUID_REGEX } from '@autoposter/db';

export const Uuid = Type.String({ pattern: UUID_REGEX.source, description: 'a UUID' });
export const STREAM_ID_PATTERN = '^\\d{1,20}(-\\d{1,20})?$';
export const StreamId = Type.String({ pattern: STREAM_ID_PATTERN, description: 'an event id, as received' });
export const Token = Type.Optional(Type.String({ description: 'access token, for browsers (prefer Authorization: Bearer)' }));
