// Fuzzing the JS parsers with seeded random mutations: any input either parses or throws this layer's
// own CryptoError, never anything else (the Python side does the same with hypothesis).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as c from '../../pwa/src/crypto/index.js';

function prng(seed) {
  // mulberry32: a small deterministic generator for test inputs (not for keys).
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = ['_id', '_rev', '_deleted', '_revisions', 'v', 'kind', 'kid', 'nonce', 'ct', 'epk', 'to', '__proto__', 'x'];

function randomValue(rand, depth = 0) {
  const pick = Math.floor(rand() * (depth > 2 ? 6 : 8));
  switch (pick) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return Math.floor((rand() - 0.5) * 2 ** 60);
    case 3: return rand() * 10;
    case 4: return String.fromCharCode(...Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 0xffff)));
    case 5: return 'AAAAAAAAAAAAAAAA'.slice(0, Math.floor(rand() * 17));
    case 6: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    default: {
      const out = {};
      for (let i = 0; i < rand() * 4; i += 1) out[FIELDS[Math.floor(rand() * FIELDS.length)]] = randomValue(rand, depth + 1);
      return out;
    }
  }
}

function mutate(rand, doc) {
  const out = { ...doc };
  for (let n = 0; n < 1 + rand() * 3; n += 1) {
    const name = FIELDS[Math.floor(rand() * FIELDS.length)];
    const choice = rand();
    if (choice < 0.3) delete out[name];
    else if (choice < 0.6) out[name] = randomValue(rand);
    else if (typeof out[name] === 'string') {
      const s = out[name];
      const i = Math.floor(rand() * (s.length + 1));
      out[name] = s.slice(0, i) + String.fromCharCode(Math.floor(rand() * 128)) + s.slice(i + 1);
    }
  }
  return out;
}

async function onlyCryptoErrors(fn) {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof c.CryptoError, `unexpected ${error && error.name}: ${error && error.message}`);
  }
}

const planId = c.newPlanId();
const alice = await c.generateDeviceKeys();
const bob = await c.generateDeviceKeys();
const key = await c.newPlanKey(planId);
const keyring = new c.Keyring(planId, [key]);
const devices = new Map([[alice.deviceId, alice.public], [bob.deviceId, bob.public]]);
const item = await c.sealItem({ text: 'hello', n: [1, 2] }, { planId, docId: c.newDocumentId(), key, author: alice });
const grant = await c.grantPlanKey(key, { recipient: bob.public, granter: alice });
const invite = (await c.createInvite(key, { inviter: alice, now: 1_000_000 })).toBytes();

test('the wire shape check accepts or throws WireFormatError for mutated documents', () => {
  const rand = prng(1);
  for (let i = 0; i < 2000; i += 1) {
    const doc = i % 3 === 0 ? randomValue(rand) : mutate(rand, i % 2 ? item : grant);
    try {
      c.checkWireDocument(doc);
    } catch (error) {
      assert.ok(error instanceof c.WireFormatError, `unexpected ${error.name}: ${error.message}`);
    }
  }
});

test('opening mutated items and grants throws only DecryptionError or SignatureError', async () => {
  const rand = prng(2);
  for (let i = 0; i < 600; i += 1) {
    const doc = mutate(rand, item);
    try {
      await c.openItem(doc, { planId, keyring, devices });
    } catch (error) {
      assert.ok(error instanceof c.DecryptionError || error instanceof c.SignatureError, `${error.name}: ${error.message}`);
    }
    await onlyCryptoErrors(() => c.openGrant(mutate(rand, grant), { planId, device: bob, trusted: devices }));
  }
});

test('parsing and opening mutated invites throws only CryptoError', async () => {
  const rand = prng(3);
  for (let i = 0; i < 600; i += 1) {
    let raw = invite.slice();
    const choice = rand();
    if (choice < 0.4) raw[Math.floor(rand() * raw.length)] ^= 1 << Math.floor(rand() * 8);
    else if (choice < 0.7) raw = raw.slice(0, Math.floor(rand() * raw.length));
    else raw = Uint8Array.from({ length: Math.floor(rand() * 260) }, () => Math.floor(rand() * 256));
    await onlyCryptoErrors(() => c.openInvite(raw, { now: 1_000_001 }));
    await onlyCryptoErrors(() => c.parseInvite(c.b64uEncode(raw)));
  }
});

test('the canonical JSON parser and the decoders throw only FormatError', () => {
  const rand = prng(4);
  for (let i = 0; i < 3000; i += 1) {
    const bytes = Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 128));
    for (const fn of [() => c.parseCanonicalJson(bytes), () => c.b64uDecode(new TextDecoder().decode(bytes)),
      () => c.base32Decode(new TextDecoder().decode(bytes)), () => c.unpad(bytes), () => c.parsePinlock(randomValue(rand))]) {
      try {
        fn();
      } catch (error) {
        assert.ok(error instanceof c.FormatError, `unexpected ${error.name}: ${error.message}`);
      }
    }
  }
});
