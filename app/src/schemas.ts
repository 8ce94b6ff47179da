import { Type } from 'typebox';
import { MEDIA_TYPES } from './media';

/** Route schemas shared by several routes; Fastify validates requests against them and OpenAPI is built from them. */

/**
 * Free text may hold any Unicode but NUL (U+0000), which PostgreSQL cannot store in text. `toAppError` turns a
 * failure of this pattern into a message that says so.
 */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';

/** A string of free text (no NUL) with these limits. */
export function Text(options: { minLength?: number; maxLength: number; description?: string }) {
  return Type.String({ ...options, pattern: NO_NUL_PATTERN });
}

export const Username = Type.String({ pattern: '^[A-Za-z0-9_]{3,30}$', description: '3 to 30 letters, digits or _' });
export const Email = Type.String({ format: 'email', maxLength: 254, pattern: NO_NUL_PATTERN });
export const Password = Type.String({
  minLength: 8,
  maxLength: 72,
  pattern: NO_NUL_PATTERN,
  description: '8 to 72 characters and at most 72 bytes in UTF-8 (bcrypt reads at most 72 bytes)',
});
export const Id = Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'numeric id' });
export const Caption = Text({ minLength: 1, maxLength: 2200, description: 'HTML is stripped' });
export const CommentText = Text({ minLength: 1, maxLength: 2200, description: 'HTML is stripped' });
export const SearchTerms = Text({ minLength: 1, maxLength: 100 });
export const MimeType = Type.Union(
  Object.keys(MEDIA_TYPES).map((t) => Type.Literal(t)),
  { description: 'image/jpeg, image/png (at most 10 MB) or video/mp4 (at most 100 MB)' },
);
export const MediaSize = Type.Integer({ minimum: 1, maximum: 100 * 1024 * 1024, description: 'bytes' });

export const MediaItem = Type.Object(
  { key: Text({ maxLength: 200 }), mimetype: MimeType, size: MediaSize },
  { additionalProperties: false },
);

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  email: Type.String(),
  createdAt: Type.String(),
});

export const Post = Type.Object({
  id: Type.String(),
  author: Type.String(),
  caption: Type.String(),
  media: Type.Array(MediaItem),
  createdAt: Type.String(),
  likes: Type.Integer(),
  comments: Type.Integer(),
});

export const FeedItem = Type.Object({
  id: Type.String(),
  author: Type.String(),
  caption: Type.String(),
  media: Type.Array(MediaItem),
  createdAt: Type.String(),
});

export const FeedPage = Type.Object({
  items: Type.Array(FeedItem),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) }),
});

export const BearerAuth = [{ bearerAuth: [] }];
