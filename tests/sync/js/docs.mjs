// Documents shaped as the app writes them (mirror of tests/support/documents.py): item envelopes of
// the right shape (docs/crypto.md §7) around random bytes. The server cannot tell them from real ones.
import { createHash, randomBytes } from 'node:crypto';

const TAG_BYTES = 16;
export const TEST_KID = '00112233445566aa';

function bucketSize(length) {
  const needed = length + 1;
  if (needed <= 65536) {
    let size = 256;
    while (size < needed) size *= 2;
    return size;
  }
  return Math.ceil(needed / 65536) * 65536;
}

export function itemDoc(id, size = 1024) {
  return {
    _id: id,
    v: 1,
    kind: 'item',
    kid: TEST_KID,
    nonce: randomBytes(12).toString('base64url'),
    ct: randomBytes(bucketSize(size) + TAG_BYTES).toString('base64url'),
  };
}

// A deletion as the app writes it (docs/crypto.md §7.5): a deletion envelope on top of `rev`, written
// with `put`. The server refuses bare tombstones (PouchDB's `remove()`, §14.3).
export function deletionDoc(id, rev, size = 256) {
  return { ...itemDoc(id, size), _rev: rev, _deleted: true };
}

// A valid document id (32 lower-case hex) derived from a number or a label.
export function docId(label) {
  return createHash('sha256').update(String(label)).digest('hex').slice(0, 32);
}
