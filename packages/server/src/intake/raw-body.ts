import type { App } from '../http/types.js';
import { invalidJson } from '../errors.js';

/**
 * In the calling plugin's scope only: parse JSON bodies but keep their raw bytes on `request.rawBody`,
 * which a signature (HMAC of the body as sent) covers.
 */
export function keepRawJsonBody(app: App): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    try {
      done(null, JSON.parse(raw.toString('utf8')) as unknown);
    } catch {
      done(invalidJson(), undefined);
    }
  });
}
