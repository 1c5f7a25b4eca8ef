// The rule for a new PIN or passphrase (data/safety.js): at least 6 characters, so a 4- or 5-digit PIN is
// refused with words for a PIN, a short passphrase with words for characters; a lock made before the rule
// with a 4-digit PIN still opens (the lock format takes any PIN of 1 or more characters).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDeviceKeys, lockDeviceKeys, unlockDeviceKeys } from '../../pwa/src/crypto/index.js';
import { MIN_NEW_PIN, newPinProblem } from '../../pwa/src/data/safety.js';

test('a new PIN needs at least 6 digits and a new passphrase at least 6 characters', () => {
  assert.equal(MIN_NEW_PIN, 6);
  for (const pin of ['', '1234', '12345']) assert.equal(newPinProblem(pin), 'lock.pin_too_short', pin);
  for (const pin of ['abc', 'a1b2c', 'كلمة']) assert.equal(newPinProblem(pin), 'lock.too_short', pin);
  for (const pin of ['123456', '0000000', 'river stone', 'كلمة سر']) assert.equal(newPinProblem(pin), null, pin);
  // Characters, not UTF-16 units: five emoji are five characters.
  assert.equal(newPinProblem('🌊🌊🌊🌊🌊'), 'lock.too_short');
});

test('a lock made with a 4-digit PIN before the rule still opens with it', async () => {
  const keys = await generateDeviceKeys();
  const locked = await lockDeviceKeys(keys, '1357');
  const opened = await unlockDeviceKeys(locked, '1357');
  assert.deepEqual(opened.privateBytes(), keys.privateBytes());
});
