import { createHmac } from 'node:crypto';
import { safeEqual } from '../../secrets.js';

export const SIGNATURE_HEADER = 'x-polytene-signature';

/** `sha256=<hex HMAC-SHA256 of body keyed with secret>`, the value a CI sends in X-Polytene-Signature. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Whether `header` is the signature of `body` under `secret` (constant-time compare). */
export function hasValidSignature(secret: string, body: Buffer, header: string): boolean {
  return safeEqual(header.trim().toLowerCase(), signBody(secret, body));
}
