import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedPost, RefusedAddress, type Lookup } from './pinned-request.js';

let receiver: Server;
let port = 0;
let hits = 0;
const loopback = (address: string) => address.startsWith('127.') || address === '::1';
// A name that resolves to 127.0.0.1, as a rebinding attacker's DNS would answer at send time.
const rebinding: Lookup = (_host, options, callback) =>
  options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);

beforeAll(async () => {
  receiver = createServer((req, res) => {
    hits += 1;
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const post = (url: string, isPrivate: ((a: string) => boolean) | null) =>
  pinnedPost({ url, headers: {}, body: '{}', timeoutMs: 5000, bodyLimit: 100, isPrivate, lookup: rebinding });

describe('pinnedPost', () => {
  it('refuses a name that resolves to 127.0.0.1 at send time and never connects', async () => {
    const before = hits;
    await expect(post(`http://rebind.example.test:${port}/x`, loopback)).rejects.toThrow(RefusedAddress);
    await expect(post(`http://rebind.example.test:${port}/x`, loopback)).rejects.toThrow(/127\.0\.0\.1/);
    await expect(post(`http://127.0.0.1:${port}/x`, loopback)).rejects.toThrow(RefusedAddress);
    expect(hits).toBe(before);
  });

  it('connects to the resolved address when private addresses are allowed', async () => {
    const before = hits;
    await expect(post(`http://rebind.example.test:${port}/x`, null)).resolves.toEqual({
      status: 200,
      body: 'ok',
    });
    expect(hits).toBe(before + 1);
  });
});
