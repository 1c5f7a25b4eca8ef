// Documents shaped as the app writes them (mirror of tests/support/documents.py).
import { randomBytes } from 'node:crypto';

export function itemDoc(id, size = 1024) {
  return { _id: id, v: 1, c: randomBytes(size).toString('base64url') };
}

export function docId(i) {
  return 'doc-' + String(i).padStart(6, '0');
}
