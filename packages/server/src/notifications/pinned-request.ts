import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

/** The shape of node:dns lookup that the sockets call; a test may pass its own. */
export type Lookup = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

export class RefusedAddress extends Error {}

/**
 * A lookup that resolves once and refuses the whole answer when any address is private, so the address
 * checked is the address the socket connects to (no DNS rebinding between a check and the connect).
 */
export function checkedLookup(
  isPrivate: (address: string) => boolean,
  base: Lookup = dnsLookup as Lookup,
): Lookup {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: isIP(addresses) }];
      const refused = list.find((a) => isPrivate(a.address));
      if (refused || list.length === 0)
        return callback(
          new RefusedAddress(
            `the host resolves to a loopback or private address (${refused?.address ?? 'none'}), which the server does not allow (POLYTENE_NOTIFY_ALLOW_PRIVATE)`,
          ),
          '',
        );
      if (options.all) return callback(null, list);
      const first = list[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

export interface PinnedPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  bodyLimit: number;
  /** null: any address (POLYTENE_NOTIFY_ALLOW_PRIVATE). */
  isPrivate: ((address: string) => boolean) | null;
  lookup?: Lookup;
}

const timeoutError = () => Object.assign(new Error('timeout'), { name: 'TimeoutError' });

/** POST without redirects, connecting only to addresses the check allowed. */
export function pinnedPost(post: PinnedPost): Promise<{ status: number; body: string }> {
  const url = new URL(post.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (post.isPrivate && isIP(host) && post.isPrivate(host))
    return Promise.reject(
      new RefusedAddress(
        `the host is a loopback or private address (${host}), which the server does not allow (POLYTENE_NOTIFY_ALLOW_PRIVATE)`,
      ),
    );
  const lookup = post.isPrivate ? checkedLookup(post.isPrivate, post.lookup) : post.lookup;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // The socket's timeout is an idle timeout; the deadline also ends a receiver that answers byte by byte.
    const deadline = setTimeout(() => req.destroy(timeoutError()), post.timeoutMs);
    const settle =
      <T>(done: (value: T) => void) =>
      (value: T) => {
        clearTimeout(deadline);
        done(value);
      };
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
        ...(lookup ? { lookup } : {}),
        timeout: post.timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < post.bodyLimit) text += chunk;
        });
        res.on('end', () =>
          settle(resolve)({ status: res.statusCode ?? 0, body: text.slice(0, post.bodyLimit) }),
        );
        res.on('error', settle(reject));
      },
    );
    req.on('timeout', () => req.destroy(timeoutError()));
    req.on('error', settle(reject));
    req.end(post.body);
  });
}
