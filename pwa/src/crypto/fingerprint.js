// Fingerprints people compare aloud (spec §12): four groups of five digits from SHA-256.

import { b64uEncode, canonicalJson, checkBytes, checkHexId, checkPlanId } from './encoding.js';
import { KEY_BYTES, sha256 } from './primitives.js';

/** Group i is int(digest[5i:5i+5]) mod 100000 with leading zeros; groups joined by spaces. */
export function digitsFromHash(digest, groups = 4) {
  const out = [];
  for (let i = 0; i < groups; i += 1) {
    let value = 0n;
    for (const byte of digest.subarray(5 * i, 5 * i + 5)) value = (value << 8n) | BigInt(byte);
    out.push(String(value % 100000n).padStart(5, '0'));
  }
  return out.join(' ');
}

/** The plan fingerprint over plan id, key id and the inviter's Ed25519 public key `signer`. */
export async function planFingerprint(planId, kid, signer) {
  checkPlanId(planId);
  checkHexId(kid, 8, 'key id');
  checkBytes(signer, KEY_BYTES, 'Ed25519 public key');
  const message = { ctx: 'alongside/v1/fingerprint', kid, plan: planId, signer: b64uEncode(signer) };
  return digitsFromHash(await sha256(canonicalJson(message)));
}

/** A device's fingerprint over both of its public keys. */
export async function deviceFingerprint(publicKeys) {
  const message = {
    ctx: 'alongside/v1/device-fingerprint',
    enc: b64uEncode(publicKeys.encryption),
    sig: b64uEncode(publicKeys.signing),
  };
  return digitsFromHash(await sha256(canonicalJson(message)));
}
