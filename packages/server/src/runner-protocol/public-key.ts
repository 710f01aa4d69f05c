import { createHash } from 'node:crypto';

export interface ParsedPublicKey {
  /** `type base64` (the comment dropped), as GitLab's deploy-key API takes it. */
  normalized: string;
  /** `SHA256:...` as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

/** The length-prefixed strings an OpenSSH key blob is made of, or null when it is not exactly that. */
function blobFields(blob: Buffer): Buffer[] | null {
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return null;
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + length > blob.length) return null;
    fields.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return fields;
}

/**
 * Parses one OpenSSH public key line (`type base64 [comment]`) and computes its SHA256 fingerprint from
 * the key blob, as `ssh-keygen -lf` does. Null when the text is not a well-formed public key.
 */
export function parsePublicKey(text: string): ParsedPublicKey | null {
  const trimmed = text.trim();
  if (trimmed.includes('\n')) return null;
  const [type, encoded] = trimmed.split(/\s+/);
  if (!type || !encoded || !KEY_TYPES.has(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  const blob = Buffer.from(encoded, 'base64');
  if (blob.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) return null;
  const fields = blobFields(blob);
  if (!fields || fields.length < 2 || fields[0]!.toString('latin1') !== type) return null;
  if (type === 'ssh-ed25519' && (fields.length !== 2 || fields[1]!.length !== 32)) return null;
  const digest = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  return { normalized: `${type} ${encoded}`, fingerprint: `SHA256:${digest}` };
}
