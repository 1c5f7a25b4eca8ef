// The JS crypto (pwa/src/crypto) passes every known-answer vector in tests/vectors, in Node.

import { test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { collectCases } from './vector_checks.mjs';

const loadJson = async (name) => JSON.parse(await readFile(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));

for (const { label, run } of await collectCases(loadJson)) {
  test(label, run);
}
