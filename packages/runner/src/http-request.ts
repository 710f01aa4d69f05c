import http from 'node:http';
import https from 'node:https';

/**
 * One JSON request over node:http(s) with keep-alive. The runner uses this rather than the global
 * fetch: loading fetch (undici) costs an idle runner about 15 MB of RSS, node:http about 3 MB.
 */
export interface HttpAnswer {
  status: number;
  statusText: string;
  text: string;
}

export interface HttpRequest {
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/** Largest answer read; the runner's answers are small, a larger one is refused, not buffered. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export class AnswerTooLargeError extends Error {}

export function request(url: URL, options: HttpRequest): Promise<HttpAnswer> {
  const transport = url.protocol === 'https:' ? https : http;
  const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
  const body = Buffer.from(options.body);
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: options.method,
        agent,
        signal: options.signal,
        headers: { ...options.headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            res.destroy(new AnswerTooLargeError(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
