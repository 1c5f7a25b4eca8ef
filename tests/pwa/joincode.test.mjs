// Join codes in the app's crypto (pwa/src/crypto/joincode.js): the known-answer vectors of
// tests/vectors/join_code.json, which the Python implementation passes too, and what people may type.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { DecryptionError, FormatError } from '../../pwa/src/crypto/index.js';
import {
  JOIN_CODE_ALPHABET,
  JOIN_CODE_ITERATIONS,
  formatJoinCode,
  isJoinCode,
  joinCodeKeys,
  newJoinCode,
  openJoinBox,
  parseJoinCode,
  sealJoinBox,
} from '../../pwa/src/crypto/joincode.js';
import { joinCodeChecks } from './vector_checks.mjs';

const vectors = JSON.parse(await readFile(new URL('../vectors/join_code.json', import.meta.url), 'utf8'));
const checks = joinCodeChecks();

test('the vectors use the iterations the code uses', () => {
  assert.equal(vectors.iterations, JOIN_CODE_ITERATIONS);
});

for (const set of ['generate', 'verify', 'invalid']) {
  for (const v of vectors[set]) test(`join_code.json ${set}: ${v.name}`, () => checks[set](v));
}

test('new codes use the whole alphabet, and read back as themselves however they are typed', () => {
  const seen = new Set();
  for (let i = 0; i < 200; i += 1) {
    const code = newJoinCode();
    assert.equal(parseJoinCode(code), code);
    assert.equal(parseJoinCode(formatJoinCode(code).toLowerCase().replaceAll(' ', '-')), code);
    for (const ch of code) seen.add(ch);
  }
  assert.equal([...seen].sort().join(''), [...JOIN_CODE_ALPHABET].sort().join(''));
});

test('a join code is told apart from an invite text or a join link', () => {
  assert.equal(isJoinCode('abcd efgh jkmn pqrs'), true);
  assert.equal(isJoinCode('AS1:AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU'), false);
  assert.equal(isJoinCode('https://alongside.example/join#AS1:AEBA'), false);
  assert.throws(() => parseJoinCode('ABCD EFGH JKMN PQRU'), FormatError);
});

test('a box opened with another code fails with the same message as an altered one', async () => {
  const keys = await joinCodeKeys(newJoinCode());
  const box = await sealJoinBox(keys, new TextEncoder().encode('an invite'));
  const altered = box.slice();
  altered[5] ^= 1;
  const messages = new Set();
  for (const [k, bx] of [[await joinCodeKeys(newJoinCode()), box], [keys, altered], [keys, box.subarray(0, 20)]]) {
    const error = await openJoinBox(k, bx).then(
      () => null,
      (caught) => caught,
    );
    assert.equal(error?.constructor, DecryptionError);
    messages.add(error.message);
  }
  assert.equal(messages.size, 1);
  assert.equal(new TextDecoder().decode(await openJoinBox(keys, box)), 'an invite');
});
