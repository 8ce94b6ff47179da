import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Media types a post may carry, with their size ceilings (the seed: images 10 MB, videos 100 MB). */
export const MEDIA_TYPES = {
  'image/jpeg': { extension: 'jpg', maxBytes: 10 * 1024 * 1024 },
  'image/png': { extension: 'png', maxBytes: 10 * 1024 * 1024 },
  'video/mp4': { extension: 'mp4', maxBytes: 100 * 1024 * 1024 },
} as const;

export type MediaType = keyof typeof MEDIA_TYPES;

/** Upload URLs are valid this long. */
export const UPLOAD_URL_TTL_SECONDS = 900;

/** A user's media keys: `uploads/<user id>/<uuid>.<ext>`; posts may only reference their author's keys. */
export function mediaKeyPattern(userId: string): RegExp {
  return new RegExp(`^uploads/${userId}/[0-9a-f-]{36}\\.(jpg|png|mp4)$`);
}

export interface MediaStorage {
  readonly kind: 's3' | 'local';
  /** Returns a fresh key for the user and the URL the client PUTs the bytes to. */
  createUpload(
    userId: string,
    type: MediaType,
    size: number,
    baseUrl: string,
  ): Promise<{ key: string; uploadUrl: string }>;
}

function newKey(userId: string, type: MediaType): string {
  return `uploads/${userId}/${randomUUID()}.${MEDIA_TYPES[type].extension}`;
}

/** Pre-signed S3 PUT URLs bound to the declared content type and length. */
export class S3MediaStorage implements MediaStorage {
  readonly kind = 's3';
  private readonly s3: S3Client;

  constructor(
    private readonly bucket: string,
    region: string,
  ) {
    this.s3 = new S3Client({ region });
  }

  async createUpload(userId: string, type: MediaType, size: number): Promise<{ key: string; uploadUrl: string }> {
    const key = newKey(userId, type);
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: type, ContentLength: size });
    const uploadUrl = await getSignedUrl(this.s3, command, { expiresIn: UPLOAD_URL_TTL_SECONDS });
    return { key, uploadUrl };
  }
}

/** Local run without a bucket: the client PUTs the bytes to this service, which keeps them in `dir`. */
export class LocalMediaStorage implements MediaStorage {
  readonly kind = 'local';

  constructor(readonly dir: string) {}

  async createUpload(userId: string, type: MediaType, _size: number, baseUrl: string) {
    const key = newKey(userId, type);
    return { key, uploadUrl: `${baseUrl}/api/v1/media/local/${key}` };
  }
}
