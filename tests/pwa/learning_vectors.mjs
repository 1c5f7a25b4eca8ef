// The checks of tests/vectors/learning.json (docs/crypto.md §24) for the JS crypto: learning keys, key documents,
// grants, sealed fact sets and facts. Used by vector_checks.mjs (Node and Chromium).

import * as c from '../../pwa/src/crypto/index.js';
import { learningKeyMessage } from '../../pwa/src/crypto/learning.js';

const b = (text) => c.b64uDecode(text);
const e = (bytes) => c.b64uEncode(bytes);
const deviceFrom = (p) => c.DeviceKeys.fromPrivate(b(p.enc_private), b(p.sig_private));
const keyFrom = (k) => ({ priv: b(k.priv), kid: k.kid });

/** The three sets of checks; `tools` are vector_checks.mjs' own: {scripted, expectEqual, expectJson, expectError}. */
export function learningChecks({ scripted, expectEqual, expectJson, expectError }) {
  const run = async (v) => {
    if (v.type === 'key_document') return c.verifyLearningKey(v.doc, v.sig_pub);
    if (v.type === 'grant') return c.openLearningGrant(v.doc, v.grant, await deviceFrom(v.device));
    if (v.type === 'open') return c.openFacts(v.sealed, keyFrom(v.key));
    return c.checkFacts(v.facts);
  };
  return {
    generate: async (v) => {
      if (v.type === 'key_document') {
        const pub = b(v.key.pub);
        expectEqual(new TextDecoder().decode(learningKeyMessage({ org: v.org, kid: v.key.kid, pub })), v.message, 'message');
        const deviceKeys = await deviceFrom(v.device);
        expectEqual(deviceKeys.deviceId, v.device_id, 'device id');
        expectJson(await c.signLearningKey({ org: v.org, pub, kid: v.key.kid, deviceKeys }), v.expected, 'key document');
        return;
      }
      const random = scripted(v.random);
      if (v.type === 'key') {
        const key = await c.newLearningKey(random);
        expectJson({ priv: e(key.priv), pub: e(key.pub), kid: key.kid }, v.expected, 'key');
      } else if (v.type === 'grant') {
        const grant = await c.wrapLearningKeyFor({ priv: b(v.key.priv), kid: v.key.kid, to: v.to, encPub: v.enc_pub }, { random });
        expectJson(grant, v.expected, 'grant');
      } else {
        expectJson(await c.sealFacts(v.facts, { pub: v.pub, kid: v.kid }, { random }), v.expected, 'sealed');
      }
      random.assertUsedUp();
    },
    verify: async (v) => {
      const result = await run(v);
      if (v.type === 'key_document') expectJson({ ...result, pub: e(result.pub) }, v.expected, 'key document');
      else if (v.type === 'grant') expectEqual(e(result), v.expected, 'private key');
      else if (v.type === 'open') expectJson(result, v.expected, 'facts');
      else expectJson(result, v.facts, 'facts');
    },
    invalid: (v) => expectError(v.error, () => run(v)),
  };
}
