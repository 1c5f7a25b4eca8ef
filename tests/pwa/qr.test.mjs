// Invite QR codes: what qrPath draws, rasterised, reads back (through jsQR, as in a browser without
// BarcodeDetector) as exactly the invite text; a picture without a code reads as nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createInvite, newPlanKey, generateDeviceKeys } from '../../pwa/src/crypto/index.js';
import { decodeImageData, qrPath } from '../../pwa/src/lib/qr.js';

/** Draw the SVG path's unit squares at `scale` pixels a module into RGBA pixels (white background). */
function rasterise({ size, path }, scale = 4) {
  const width = size * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  for (const [, x, y] of path.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    for (let dy = 0; dy < scale; dy += 1) {
      for (let dx = 0; dx < scale; dx += 1) {
        const at = ((Number(y) * scale + dy) * width + Number(x) * scale + dx) * 4;
        data[at] = data[at + 1] = data[at + 2] = 0;
      }
    }
  }
  return { data, width, height: width };
}

test('an invite drawn as a QR code reads back as the same text', async () => {
  const planId = 'a'.repeat(32);
  const invite = await createInvite(await newPlanKey(planId), { inviter: await generateDeviceKeys() });
  const text = invite.toText();
  const drawn = qrPath(text);
  assert.equal(drawn.size, 69 + 8); // version 13 at level M, with a 4-module quiet zone (spec §11.3)
  assert.equal(await decodeImageData(rasterise(drawn)), text);
});

test('a blank picture has no code in it', async () => {
  const blank = { data: new Uint8ClampedArray(100 * 100 * 4).fill(255), width: 100, height: 100 };
  assert.equal(await decodeImageData(blank), null);
});
