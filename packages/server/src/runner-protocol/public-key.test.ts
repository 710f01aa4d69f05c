import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePublicKey } from './public-key.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'polytene-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let generated = 0;
function generate(type: string): { publicKey: string; fingerprint: string } {
  const file = path.join(dir, `${type}-${++generated}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'runner@host', '-f', file]);
  const listed = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' });
  return { publicKey: readFileSync(`${file}.pub`, 'utf8'), fingerprint: listed.split(' ')[1]! };
}

describe('OpenSSH public keys', () => {
  it.each(['ed25519', 'rsa', 'ecdsa'])('fingerprints a %s key exactly as ssh-keygen -lf does', (type) => {
    const { publicKey, fingerprint } = generate(type);
    const parsed = parsePublicKey(publicKey);
    expect(parsed?.fingerprint).toBe(fingerprint);
    expect(parsed?.normalized).toBe(publicKey.split(' ').slice(0, 2).join(' '));
  });

  it('rejects text that is not one well-formed public key', () => {
    const { publicKey } = generate('ed25519');
    const [type, blob] = publicKey.split(' ') as [string, string];
    expect(parsePublicKey('')).toBeNull();
    expect(parsePublicKey('hello world')).toBeNull();
    expect(parsePublicKey(`ssh-rsa ${blob}`)).toBeNull();
    expect(parsePublicKey(`${type} ${blob.slice(0, -8)}`)).toBeNull();
    expect(parsePublicKey(`${type} not*base64`)).toBeNull();
    expect(parsePublicKey(`${publicKey}\n${publicKey}`)).toBeNull();
    expect(
      parsePublicKey('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----'),
    ).toBeNull();
  });
});
