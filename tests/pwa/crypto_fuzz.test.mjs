// Fuzzing the JS parsers with seeded random mutations: any input either parses or throws this layer's
// own CryptoError, never anything else (the Python side does the same with hypothesis).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as c from '../../pwa/src/crypto/index.js';
import { mulberry32 } from './support/random.mjs';

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
  const rand = mulberry32(1);
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
  const rand = mulberry32(2);
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
  const rand = mulberry32(3);
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
  const rand = mulberry32(4);
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

test('parsing mutated signed items and version lists throws only FormatError', () => {
  const rand = mulberry32(5);
  const hash = () => c.b64uEncode(Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
  const good = { body: { text: 'hi' }, by: alice.deviceId, n: 3, prev: [hash(), hash()].sort(), sig: c.b64uEncode(new Uint8Array(64)) };
  const choices = [() => randomValue(rand), () => hash(), () => [hash(), hash()], () => 2 ** 53, () => 0, () => -1, () => 1.5, () => '1'];
  for (let i = 0; i < 3000; i += 1) {
    const value = { ...good };
    for (const name of ['body', 'by', 'n', 'prev', 'sig', 'x']) {
      if (rand() < 0.2) value[name] = choices[Math.floor(rand() * choices.length)]();
    }
    if (rand() < 0.1) delete value[['n', 'prev', 'sig'][Math.floor(rand() * 3)]];
    const parsers = [() => c.SignedItem.fromJSON(value), () => c.SignedItem.fromJSON(value, 2), () => c.nextVersion([value, { n: value.n, vh: hash() }])];
    for (const fn of parsers) {
      try {
        fn();
      } catch (error) {
        assert.ok(error instanceof c.FormatError, `unexpected ${error.name}: ${error.message}`);
      }
    }
  }
});

test('judging random memories and leaves throws only FormatError', () => {
  const rand = mulberry32(6);
  const hash = () => c.b64uEncode(Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const maybe = (good) => (rand() < 0.15 ? randomValue(rand) : good);
  for (let i = 0; i < 3000; i += 1) {
    const leaves = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, j) => ({
      rev: maybe(`${j + 1}-x`),
      state: maybe(pick(['valid', 'unsigned-removal', 'unchecked'])),
      n: maybe(Math.floor(rand() * 5)),
      vh: maybe(hash()),
      deleted: maybe(rand() < 0.3),
    }));
    const memory = rand() < 0.3 ? null : { n: maybe(2), vh: maybe(hash()), deleted: maybe(false), rev: maybe('1-a'), old: maybe([hash()]) };
    try {
      const judged = c.judgeVersions(memory, maybe(leaves[0]?.rev), leaves);
      assert.ok(['winner', 'memory', 'none'].includes(judged.current));
    } catch (error) {
      assert.ok(error instanceof c.FormatError, `unexpected ${error.name}: ${error.message}`);
    }
  }
});

test('verifying mutated field statements throws only FormatError or SignatureError', async () => {
  const rand = mulberry32(7);
  const docId = c.newDocumentId();
  const sig = await c.signField({ planId, docId, name: 'text', value: 'I like to cook', h: ['a1'], at: 1_700_000_000_000, author: alice });
  const field = { v: 'I like to cook', h: ['a1'], at: 1_700_000_000_000, dev: alice.deviceId, sig };
  await c.verifyField({ planId, docId, name: 'text', field, devices });
  for (let i = 0; i < 400; i += 1) {
    const changed = { ...field };
    const name = ['v', 'h', 'at', 'dev', 'sig', 'extra'][Math.floor(rand() * 6)];
    changed[name] = rand() < 0.5 ? randomValue(rand) : name === 'dev' ? bob.deviceId : name === 'h' ? ['b2'] : 'x';
    await assert.rejects(c.verifyField({ planId, docId, name: 'text', field: changed, devices }), (error) => {
      assert.ok(error instanceof c.FormatError || error instanceof c.SignatureError, `unexpected ${error.name}: ${error.message}`);
      return true;
    });
  }
});

// A device's view of one item over a random history (spec §8.3): honest edits, restores, older versions
// pushed again (alone, or as a branch beside the newest) and bare tombstones. No device ever shows, as
// current, a version it had already seen replaced (it reports a rollback instead); a tombstone never
// removes what it remembers unflagged; its memory's n never goes down; honest edits and restores raise
// no report.
test('random replays and tombstones in random edit histories are never shown as current without a flag', () => {
  const rand = mulberry32(8);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  for (let run = 0; run < 300; run += 1) {
    const devicesInRun = Array.from({ length: 2 + Math.floor(rand() * 2) }, () => ({ memory: null, replaced: new Set() }));
    const written = [];
    let generation = 0;
    let leaves = [];
    const write = (version) => {
      generation += 1;
      return { rev: `${generation}-${Math.floor(rand() * 1e9).toString(36)}`, state: 'valid', n: version.n, vh: version.vh, deleted: false };
    };
    for (let step = 0; step < 40; step += 1) {
      const writer = pick(devicesInRun);
      const op = written.length === 0 ? 'edit' : pick(['edit', 'edit', 'replay', 'branch', 'tombstone', 'restore']);
      let honest = true;
      if (op === 'edit') {
        const base = writer.memory === null ? [] : [{ n: writer.memory.n, vh: writer.memory.vh }];
        const { n } = c.nextVersion(base);
        const version = { n, vh: c.b64uEncode(Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256))) };
        written.push(version);
        leaves = [write(version)];
      } else if (op === 'restore') {
        if (writer.memory === null) continue;
        leaves = [write(writer.memory)];
      } else if (op === 'replay' || op === 'branch') {
        honest = false;
        const old = write(pick(written));
        leaves = op === 'replay' ? [old] : [...leaves.filter((leaf) => leaf.state === 'valid').slice(0, 1), old];
      } else {
        honest = false;
        generation += 1;
        leaves = [{ rev: `${generation}-t`, state: 'unsigned-removal', n: null, vh: null, deleted: true }];
      }
      const winner = leaves[leaves.length - 1];
      for (const device of devicesInRun) {
        if (device !== writer && rand() < 0.3) continue; // this device does not sync this time
        const before = device.memory;
        const judged = c.judgeVersions(before, winner, leaves);
        if (device.replaced.has(winner.vh)) {
          assert.notEqual(judged.current, 'winner', 'a version this device had seen replaced was shown as current');
          assert.ok(judged.reports.includes('rollback'), 'an older version came back without a rollback report');
        }
        if (winner.state === 'unsigned-removal' && before !== null && !before.deleted) {
          assert.deepEqual([judged.current, judged.reports], ['memory', ['unsigned-removal']]);
        }
        if (before !== null) assert.ok(judged.memory.n >= before.n, 'memory went back');
        if (honest && op === 'edit' && device === writer) assert.deepEqual(judged.reports, [], 'an honest edit was flagged');
        if (op === 'restore' && device === writer) assert.deepEqual([judged.current, judged.reports], ['winner', []]);
        if (judged.restore) assert.equal(judged.current, 'memory');
        if (before !== null && judged.memory.vh !== before.vh) device.replaced.add(before.vh);
        device.memory = judged.memory;
      }
    }
  }
});

/** Canonical JSON as spec §3.4 states it, written plainly: keys sorted at every level, nothing else allowed. */
function referenceCanonical(value) {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new c.FormatError('number');
    return String(value);
  }
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw new c.FormatError('string');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(referenceCanonical).join(',')}]`;
  return `{${Object.keys(value).sort().map((key) => `${referenceCanonical(key)}:${referenceCanonical(value[key])}`).join(',')}}`;
}

test('canonical JSON text is the plain sorted-key encoding for random values, whatever order their keys were made in', () => {
  const rand = mulberry32(20261204);
  const keys = ['a', 'b', 'B', '9', '10', '1', '', 'é', '\u{1F600}', '\uFF21', 'ab', '__proto__'];
  const make = (depth) => {
    const pick = Math.floor(rand() * (depth > 3 ? 5 : 7));
    if (pick === 0) return null;
    if (pick === 1) return rand() < 0.5;
    if (pick === 2) return Math.floor((rand() - 0.5) * 2 ** 53);
    if (pick === 3) return rand() < 0.05 ? rand() : Math.floor(rand() * 100);
    if (pick === 4) return String.fromCharCode(...Array.from({ length: Math.floor(rand() * 6) }, () => Math.floor(rand() * 0xffff)));
    if (pick === 5) return Array.from({ length: Math.floor(rand() * 4) }, () => make(depth + 1));
    const out = {};
    for (let i = 0; i < rand() * 5; i += 1) {
      // As JSON.parse makes them: own properties, '__proto__' too.
      const property = { value: make(depth + 1), enumerable: true, writable: true, configurable: true };
      Object.defineProperty(out, keys[Math.floor(rand() * keys.length)], property);
    }
    return out;
  };
  let encoded = 0;
  for (let n = 0; n < 3000; n += 1) {
    const value = make(0);
    let expected;
    try {
      expected = referenceCanonical(value);
    } catch (error) {
      assert.ok(error instanceof c.FormatError);
      assert.throws(() => c.canonicalJsonText(value), c.FormatError);
      continue;
    }
    assert.equal(c.canonicalJsonText(value), expected);
    // Parsing takes the canonical bytes back, and nothing else: a reordered or respaced text is refused.
    assert.deepEqual(c.canonicalJsonText(c.parseCanonicalJson(new TextEncoder().encode(expected))), expected);
    const loose = JSON.stringify(value, null, 1);
    if (loose !== expected) assert.throws(() => c.parseCanonicalJson(new TextEncoder().encode(loose)), c.FormatError);
    encoded += 1;
  }
  assert.ok(encoded > 1000, `only ${encoded} of the random values could be encoded`);
});

test('base64url decoding takes only the unpadded canonical form, and round-trips every length', () => {
  for (const bad of ['A', 'AB', 'AQJ', 'AA==', 'AQ=', 'A A', 'AQ\n', 'AQ+/', 'AQ/_', 'é', 'AQ\u0000', 12, null]) {
    assert.throws(() => c.b64uDecode(bad), c.FormatError, JSON.stringify(bad));
    assert.throws(() => c.b64uLength(bad), c.FormatError, JSON.stringify(bad));
  }
  assert.deepEqual([...c.b64uDecode('-_-_')], [251, 255, 191]);
  assert.throws(() => c.b64uDecode('AQID', 2), c.FormatError);
  const bytes = Uint8Array.from({ length: 70 }, (_, i) => (i * 151 + 7) & 255);
  for (let n = 0; n <= bytes.length; n += 1) {
    const text = c.b64uEncode(bytes.subarray(0, n));
    assert.equal(c.b64uLength(text), n);
    assert.deepEqual([...c.b64uDecode(text, n)], [...bytes.subarray(0, n)]);
  }
});
