// Known-answer vector checks for the JS crypto, shared by Node (crypto.test.mjs) and Chromium
// (tests/browser/test_crypto_in_chromium.py). `collectCases(loadJson)` returns [{label, run}].

import * as c from '../../pwa/src/crypto/index.js';
import { isBucketSize } from '../../pwa/src/crypto/padding.js';
import { digitsFromHash } from '../../pwa/src/crypto/fingerprint.js';
import { signItemVersionOne } from '../../pwa/src/crypto/provenance.js';
import { fieldStatementFields } from '../../pwa/src/crypto/statements.js';
import * as joinCodes from '../../pwa/src/crypto/joincode.js';
import { ed25519Public, ed25519Sign } from '../../pwa/src/crypto/primitives.js';
import { learningChecks } from './learning_vectors.mjs';

export const FILES = [
  'padding.json',
  'canonical_json.json',
  'keys.json',
  'signature.json',
  'envelope.json',
  'history.json',
  'statements.json',
  'keywrap.json',
  'invite.json',
  'pending_invite.json',
  'fingerprint.json',
  'pinlock.json',
  'wire.json',
  'join_code.json',
  'activities.json',
  'reflective_notes.json',
  'learning.json',
];

const ERRORS = {
  FormatError: c.FormatError,
  WireFormatError: c.WireFormatError,
  DecryptionError: c.DecryptionError,
  SignatureError: c.SignatureError,
  InviteExpiredError: c.InviteExpiredError,
};

export const b = (text) => c.b64uDecode(text);
export const e = (bytes) => c.b64uEncode(bytes);

function fail(message) {
  throw new Error(message);
}

const sha256Of = async (bytes) => new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));

/** Deep equality of JSON values with key order ignored. */
export function sameJson(a, b2) {
  return c.canonicalJsonText(a) === c.canonicalJsonText(b2);
}

function expectJson(actual, expected, what) {
  if (!sameJson(actual, expected)) fail(`${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
}

const text = (bytes) => new TextDecoder().decode(bytes);

/** A random source for operations that must fail before drawing anything. */
const noDraws = () => fail('drew a random value before refusing');

function expectEqual(actual, expected, what) {
  if (actual !== expected) fail(`${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
}

async function expectError(name, fn) {
  try {
    await fn();
  } catch (error) {
    const wanted = ERRORS[name];
    if (!(error instanceof wanted)) fail(`wanted ${name}, got ${error && error.name}: ${error && error.message}`);
    if (name !== 'FormatError' && error.constructor !== wanted) fail(`wanted exactly ${name}, got ${error.name}`);
    return error;
  }
  return fail(`wanted ${name}, nothing was thrown`);
}

/** A random source replaying the draws a vector lists, checking every size. */
export function scripted(draws) {
  const chunks = draws.map(b);
  let next = 0;
  const random = (n) => {
    if (next >= chunks.length) fail('drew more random values than the vector lists');
    const chunk = chunks[next];
    if (chunk.length !== n) fail(`draw ${next}: asked for ${n} bytes, vector has ${chunk.length}`);
    next += 1;
    return chunk;
  };
  random.assertUsedUp = () => {
    if (next !== chunks.length) fail('drew fewer random values than the vector lists');
  };
  return random;
}

export const deviceFrom = (p) => c.DeviceKeys.fromPrivate(b(p.enc_private), b(p.sig_private));
export const publicFrom = (p) => c.DevicePublicKeys.create(b(p.enc), b(p.sig));
export const keyFrom = (planId, k) => c.PlanKey.fromSecret(planId, k.epoch, b(k.secret), k.audience ?? 'everyone');
export const publicJson = (p) => ({ ...p.toJSON(), device_id: p.deviceId });
export const keyJson = (k) => ({ epoch: k.epoch, secret: e(k.secret), kid: k.kid, ...(k.audience !== 'everyone' && { audience: k.audience }) });

export async function devicesFrom(list) {
  const out = new Map();
  for (const value of list) {
    const pub = await publicFrom(value);
    out.set(value.device_id ?? pub.deviceId, pub);
  }
  return out;
}

export async function keyringFrom(planId, keys) {
  const out = [];
  for (const k of keys) out.push(await keyFrom(planId, k));
  return new c.Keyring(planId, out);
}

const wireOptions = (o) => ({ maxPaddedBytes: o.max_padded_bytes, maxRevisions: o.max_revisions });

const checks = {
  'padding.json': {
    generate: async (v) => {
      if ('length' in v) expectEqual(c.bucketSize(v.length), v.padded_length, 'bucket');
      else expectEqual(e(c.pad(b(v.data))), v.padded, 'padded');
    },
    verify: async (v) => {
      if ('size' in v) expectEqual(isBucketSize(v.size), v.is_bucket, 'is bucket');
      else expectEqual(e(c.unpad(b(v.padded))), v.data, 'unpadded');
    },
    invalid: async (v) => expectError(v.error, () => ('length' in v ? c.bucketSize(v.length) : c.unpad(b(v.padded)))),
  },
  'canonical_json.json': {
    generate: async (v) => expectEqual(new TextDecoder().decode(c.canonicalJson(v.value)), v.canonical, 'canonical'),
    verify: async (v) => expectJson(c.parseCanonicalJson(b(v.bytes)), v.value, 'parsed'),
    invalid: async (v) => expectError(v.error, () => ('bytes' in v ? c.parseCanonicalJson(b(v.bytes)) : c.canonicalJson(v.value))),
  },
  'keys.json': {
    generate: async (v) => {
      if (v.type === 'device') {
        const random = scripted(v.random);
        const keys = await c.generateDeviceKeys(random);
        random.assertUsedUp();
        expectEqual(e(keys.encryptionPrivate), v.enc_private, 'enc private');
        expectEqual(e(keys.signingPrivate), v.sig_private, 'sig private');
        expectJson(publicJson(keys.public), v.public, 'public');
      } else if (v.type === 'plan_key') {
        expectEqual((await keyFrom(v.plan_id, v)).kid, v.kid, 'kid');
      } else if (v.type === 'document_id') {
        const random = scripted(v.random);
        expectEqual(c.newDocumentId(random), v.document_id, 'document id');
        random.assertUsedUp();
      } else if (v.type === 'plan_id') {
        const random = scripted(v.random);
        const creator = await publicFrom(v.creator);
        const { planId, salt } = await c.newPlanIdFor(creator, { random });
        random.assertUsedUp();
        expectEqual(e(salt), v.salt, 'salt');
        expectEqual(planId, v.plan_id, 'plan id');
        expectEqual(await c.planIdFor(creator.signing, salt), v.plan_id, 'plan id from salt');
      } else if (v.type === 'roster_id') {
        expectEqual(await c.rosterDocumentId(v.plan_id, v.device_id), v.roster_id, 'roster id');
      } else fail(`unknown case type ${v.type}`);
    },
    verify: async (v) => {
      if (v.type === 'plan_id') {
        expectEqual(await c.planIdFor(b(v.sig), b(v.salt)), v.plan_id, 'plan id');
        return;
      }
      const keys = await deviceFrom(v);
      expectJson(publicJson(keys.public), v.public, 'public');
      expectJson(publicJson(await c.DevicePublicKeys.fromJSON(keys.public.toJSON())), v.public, 'from JSON');
    },
    invalid: async (v) =>
      expectError(v.error, async () => {
        if (v.type === 'plan_key') await keyFrom(v.plan_id, v);
        else if (v.type === 'plan_id') await c.planIdFor(b(v.sig), b(v.salt));
        else if (v.type === 'roster_id') await c.rosterDocumentId(v.plan_id, v.device_id);
        else await c.DevicePublicKeys.fromJSON(v.public);
      }),
  },
  'signature.json': {
    generate: async (v) => {
      if (v.type === 'next_version') {
        expectJson(c.nextVersion(v.versions), { n: v.n, prev: v.prev }, 'next version');
        expectJson(c.nextVersion(v.versions.map(([n, vh]) => ({ n, vh }))), { n: v.n, prev: v.prev }, 'next version of objects');
        return;
      }
      const author = await deviceFrom(v.author);
      const where = { planId: v.plan_id, docId: v.doc_id, deleted: v.deleted };
      const message = c.itemSignatureMessage(v.body, { ...where, by: author.deviceId, n: v.n, prev: v.prev, version: v.version });
      expectEqual(text(message), v.message, 'message');
      const signed =
        v.version === 1
          ? await signItemVersionOne(v.body, { ...where, author })
          : await c.signItem(v.body, { ...where, author, n: v.n, prev: v.prev });
      expectJson(signed.toJSON(), v.signed, 'signed');
      expectEqual(await c.versionHash(signed, where), v.vh, 'version hash');
      expectEqual(e(await sha256Of(message)), v.vh, 'version hash is SHA-256 of the message');
    },
    verify: async (v) => {
      const signed = c.SignedItem.fromJSON(v.signed, v.version);
      const where = { planId: v.plan_id, docId: v.doc_id, deleted: v.deleted };
      await c.verifyItem(signed, { ...where, devices: await devicesFrom(v.devices) });
      expectEqual(await c.versionHash(signed, where), v.vh, 'version hash');
      expectJson(c.SignedItem.fromJSON(v.signed).toJSON(), v.signed, 'format told by the members');
    },
    invalid: async (v) => {
      if (v.type === 'parse') return expectError(v.error, () => c.SignedItem.fromJSON(v.signed, v.version));
      if (v.type === 'next_version') return expectError(v.error, () => c.nextVersion(v.versions));
      const devices = await devicesFrom(v.devices);
      return expectError(v.error, () =>
        c.verifyItem(c.SignedItem.fromJSON(v.signed, v.version), { planId: v.plan_id, docId: v.doc_id, deleted: v.deleted, devices }),
      );
    },
  },
  'envelope.json': {
    generate: async (v) => {
      if (v.type === 'reseal') {
        const random = scripted(v.random);
        const document = await c.resealItem(v.source, {
          planId: v.plan_id,
          keyring: await keyringFrom(v.plan_id, v.keys),
          devices: await devicesFrom(v.devices),
          key: await keyFrom(v.plan_id, v.key),
          random,
        });
        random.assertUsedUp();
        expectJson(document, v.document, 'document');
        expectEqual(Object.keys(document).join(), Object.keys(v.document).join(), 'field order');
        return;
      }
      const key = await keyFrom(v.plan_id, v.key);
      expectEqual(key.kid, v.key.kid, 'kid');
      const ad = c.itemAssociatedData({ planId: v.plan_id, docId: v.doc_id, kid: key.kid, deleted: v.deleted, version: v.version });
      expectEqual(text(ad), v.associated_data, 'associated data');
      const author = await deviceFrom(v.author);
      const where = { planId: v.plan_id, docId: v.doc_id, deleted: v.deleted };
      const signed = await c.signItem(v.body, { ...where, author, n: v.n, prev: v.prev });
      expectEqual(c.canonicalJsonText(signed.toJSON()), v.plaintext, 'plaintext');
      expectEqual(await c.versionHash(signed, where), v.vh, 'version hash');
      const random = scripted(v.random);
      const doc = await c.sealItem(v.body, { ...where, key, author, rev: v.rev, n: v.n, prev: v.prev, random });
      random.assertUsedUp();
      expectJson(doc, v.document, 'document');
      expectEqual(Object.keys(doc).join(), Object.keys(v.document).join(), 'field order');
    },
    verify: async (v) => {
      const opened = await c.openItem(v.document, {
        planId: v.plan_id,
        keyring: await keyringFrom(v.plan_id, v.keys),
        devices: await devicesFrom(v.devices),
        allowRetired: v.allow_retired,
      });
      const { body, author, kid, deleted, version, n, prev, vh } = opened;
      expectJson({ body, author, kid, deleted, version, n, prev, vh }, v.expected, 'opened');
    },
    invalid: async (v) => {
      const keyring = await keyringFrom(v.plan_id, v.keys);
      const devices = await devicesFrom(v.devices);
      await expectError(v.error, () =>
        c.openItem(v.document, { planId: v.plan_id, keyring, devices, allowRetired: v.allow_retired }),
      );
    },
  },
  'history.json': {
    generate: async () => fail('history.json has no generate cases'),
    verify: async (v) => {
      let memory = v.memory;
      v.steps.forEach((step, i) => {
        const judged = c.judgeVersions(memory, step.winner, step.leaves);
        expectJson(judged, step.expect, `step ${i + 1}`);
        memory = judged.memory;
      });
    },
    invalid: async (v) => expectError(v.error, () => c.judgeVersions(v.memory, v.winner, v.leaves)),
  },
  'statements.json': {
    generate: async (v) => {
      const author = await deviceFrom(v.author);
      if (v.type === 'statement') {
        expectEqual(text(c.statementMessage(v.context, v.fields)), v.message, 'message');
        expectEqual(await c.signStatement(v.context, v.fields, author), v.sig, 'sig');
        return;
      }
      const where = { planId: v.plan_id, docId: v.doc_id, name: v.field_name, value: v.value, h: v.h, at: v.at };
      const fields = fieldStatementFields({ ...where, dev: author.deviceId });
      expectEqual(text(c.statementMessage(c.FIELD_CONTEXT, fields)), v.message, 'message');
      const sig = await c.signField({ ...where, author });
      expectJson({ v: v.value, h: v.h, at: v.at, dev: author.deviceId, sig }, v.field, 'field');
    },
    verify: async (v) => {
      const devices = await devicesFrom(v.devices);
      if (v.type === 'statement') await c.verifyStatement(v.context, v.fields, v.sig, { signer: v.signer, devices });
      else await c.verifyField({ planId: v.plan_id, docId: v.doc_id, name: v.field_name, field: v.field, devices });
    },
    invalid: async (v) => {
      const devices = await devicesFrom(v.devices);
      await expectError(v.error, () =>
        v.type === 'statement'
          ? c.verifyStatement(v.context, v.fields, v.sig, { signer: v.signer, devices })
          : c.verifyField({ planId: v.plan_id, docId: v.doc_id, name: v.field_name, field: v.field, devices }),
      );
    },
  },
  'keywrap.json': {
    generate: async (v) => {
      const random = scripted(v.random);
      const granter = await deviceFrom(v.granter);
      if (v.type === 'grant') {
        const doc = await c.grantPlanKey(await keyFrom(v.plan_id, v.key), {
          recipient: await publicFrom(v.recipient),
          granter,
          docId: v.doc_id,
          random,
        });
        expectJson(doc, v.document, 'document');
      } else {
        const remaining = [];
        for (const p of v.remaining) remaining.push(await publicFrom(p));
        const keyring = await keyringFrom(v.plan_id, v.keys);
        const audience = v.audience ?? 'everyone';
        const { key, documents } = await c.rotatePlanKey(keyring, { remaining, granter, random, epoch: v.epoch, audience });
        expectJson(keyJson(key), v.new_key, 'new key');
        expectJson(documents, v.documents, 'documents');
      }
      random.assertUsedUp();
    },
    verify: async (v) => {
      const { key, granter } = await c.openGrant(v.document, {
        planId: v.plan_id,
        device: await deviceFrom(v.device),
        trusted: await devicesFrom(v.trusted),
      });
      expectJson({ ...keyJson(key), granter }, v.expected, 'grant');
    },
    invalid: async (v) => {
      if (v.type === 'rotate') {
        const remaining = [];
        for (const p of v.remaining) remaining.push(await publicFrom(p));
        const keyring = await keyringFrom(v.plan_id, v.keys);
        const granter = await deviceFrom(v.granter);
        const audience = v.audience ?? 'everyone';
        await expectError(v.error, () => c.rotatePlanKey(keyring, { remaining, granter, epoch: v.epoch, random: noDraws, audience }));
        return;
      }
      const device = await deviceFrom(v.device);
      const trusted = await devicesFrom(v.trusted);
      await expectError(v.error, () => c.openGrant(v.document, { planId: v.plan_id, device, trusted }));
    },
  },
  'invite.json': {
    generate: async (v) => {
      if (v.type === 'admission_bind') {
        expectEqual(await c.admissionBind(b(v.bind_key), { planId: v.plan_id, deviceId: v.device_id }), v.bind, 'bind');
        return;
      }
      const random = scripted(v.random);
      const key = await keyFrom(v.plan_id, v.key);
      const inviter = await deviceFrom(v.inviter);
      const invite = await c.createInvite(key, { inviter, role: v.role, access: v.access, now: v.now, lifetime: v.lifetime, random });
      random.assertUsedUp();
      expectJson(await c.inviteRegistration(invite), v.expected.registration, 'registration');
      const { inviter: by, signature, ...fields } = v.expected.registration;
      const named = { planId: fields.plan_id, inviteId: fields.invite_id, verifier: fields.verifier, expiresAt: fields.expires_at, role: fields.role, access: fields.access };
      expectEqual(new TextDecoder().decode(c.registrationMessage(named)), v.expected.registration_message, 'registration message');
      expectEqual(await c.verifyInviteRegistration(inviter.public.signing, signature, named), true, 'registration signature');
      expectEqual(by, inviter.deviceId, 'registration inviter');
      expectEqual(e(invite.toBytes()), v.expected.bytes, 'bytes');
      expectEqual(invite.toText(), v.expected.text, 'text');
      expectEqual(invite.inviteIdHex, v.expected.invite_id, 'invite id');
      expectEqual(invite.expiresAt, v.expected.expires_at, 'expiry');
      expectEqual(await c.inviteAuthToken(invite), v.expected.auth_token, 'auth token');
      expectEqual(await c.inviteVerifier(v.expected.auth_token), v.expected.verifier, 'verifier');
      expectEqual(await c.planFingerprint(key.planId, key.kid, inviter.public.signing), v.expected.fingerprint, 'fingerprint');
      expectEqual(e(await c.inviteBindKey(invite)), v.expected.bind_key, 'bind key');
    },
    verify: async (v) => {
      const joined = await c.openInvite(v.text, { now: v.now });
      const x = v.expected;
      expectJson(
        {
          plan_id: joined.planKey.planId,
          ...keyJson(joined.planKey),
          inviter: publicJson(joined.inviter),
          invite_id: joined.inviteId,
          expires_at: joined.expiresAt,
          auth_token: joined.authToken,
          verifier: await c.inviteVerifier(joined.authToken),
          role: joined.role,
          access: joined.access,
          registration: joined.registration,
          fingerprint: await c.planFingerprint(joined.planKey.planId, joined.planKey.kid, joined.inviter.signing),
          bind_key: e(joined.bindKey),
        },
        x,
        'joined',
      );
      if (!(await c.checkInviteToken(joined.authToken, x.verifier))) fail('token does not match verifier');
    },
    invalid: async (v) =>
      expectError(v.error, () =>
        v.type === 'admission_bind'
          ? c.admissionBind(b(v.bind_key), { planId: v.plan_id, deviceId: v.device_id })
          : c.openInvite(v.text, { now: v.now }),
      ),
  },
  'pending_invite.json': {
    generate: async (v) => {
      const random = scripted(v.random);
      if (v.type === 'join_request') {
        const sealed = await c.sealJoinRequest(b(v.request_key), v.request, { planId: v.plan_id, inviteId: v.invite_id, deviceId: v.device_id, random });
        random.assertUsedUp();
        expectEqual(sealed, v.sealed, 'sealed join request');
        return;
      }
      const inviter = await deviceFrom(v.inviter);
      const { invite, requestKey } = await c.createPendingInvite(v.plan_id, { inviter, access: v.access, now: v.now, lifetime: v.lifetime, random });
      random.assertUsedUp();
      expectEqual(e(invite.toBytes()), v.expected.bytes, 'bytes');
      expectEqual(invite.toText(), v.expected.text, 'text');
      expectEqual(e(requestKey), v.expected.request_key, 'request key');
      expectJson(await c.inviteRegistration(invite), v.expected.registration, 'registration');
      const { inviter: by, signature, ...fields } = v.expected.registration;
      const named = {
        planId: fields.plan_id,
        inviteId: fields.invite_id,
        verifier: fields.verifier,
        expiresAt: fields.expires_at,
        role: fields.role,
        access: fields.access,
        pending: fields.pending,
      };
      expectEqual(new TextDecoder().decode(c.registrationMessage(named)), v.expected.registration_message, 'registration message');
      expectEqual(await c.verifyInviteRegistration(inviter.public.signing, signature, named), true, 'registration signature');
      expectEqual(by, inviter.deviceId, 'registration inviter');
    },
    verify: async (v) => {
      if (v.type === 'join_request') {
        const opened = await c.openJoinRequest(b(v.request_key), v.sealed, { planId: v.plan_id, inviteId: v.invite_id, deviceId: v.device_id });
        expectJson(opened, v.request, 'join request');
        return;
      }
      const pending = await c.openPendingInvite(v.text, { now: v.now });
      if ('planKey' in pending) fail('a pending invite opened to a plan key');
      expectJson(
        {
          plan_id: pending.planId,
          request_key: e(pending.requestKey),
          inviter: publicJson(pending.inviter),
          invite_id: pending.inviteId,
          expires_at: pending.expiresAt,
          auth_token: pending.authToken,
          role: pending.role,
          access: pending.access,
          registration: pending.registration,
          bind_key: e(pending.bindKey),
        },
        v.expected,
        'pending join',
      );
    },
    invalid: async (v) =>
      expectError(v.error, () => {
        if (v.type === 'join_request') {
          return c.openJoinRequest(b(v.request_key), v.sealed, { planId: v.plan_id, inviteId: v.invite_id, deviceId: v.device_id });
        }
        return v.type === 'invite' ? c.openInvite(v.text, { now: v.now }) : c.openPendingInvite(v.text, { now: v.now });
      }),
  },
  'fingerprint.json': {
    generate: async (v) => {
      if (v.type === 'plan') {
        expectEqual(await c.planFingerprint(v.plan_id, v.kid, b(v.signer)), v.fingerprint, 'fingerprint');
        expectEqual(digitsFromHash(b(v.hash)), v.fingerprint, 'digits');
      } else {
        expectEqual(await c.deviceFingerprint(await publicFrom(v.public)), v.fingerprint, 'device fingerprint');
      }
    },
    verify: async (v) => expectEqual(digitsFromHash(b(v.hash)), v.fingerprint, 'digits'),
    invalid: async (v) => expectError(v.error, () => c.planFingerprint(v.plan_id, v.kid, b(v.signer))),
  },
  'pinlock.json': {
    generate: async (v) => {
      const random = scripted(v.random);
      const options = { iterations: v.iterations, random };
      const blob =
        v.type === 'device_keys'
          ? await c.lockDeviceKeys(await deviceFrom(v.device), v.pin, options)
          : await c.lockSecret(b(v.secret), v.pin, options);
      random.assertUsedUp();
      expectJson(blob, v.expected, 'blob');
    },
    verify: async (v) => {
      expectEqual(e(await c.unlockSecret(v.blob, v.pin)), v.secret, 'secret');
      if ('device_id' in v) expectEqual((await c.unlockDeviceKeys(v.blob, v.pin)).deviceId, v.device_id, 'device id');
    },
    invalid: async (v) => expectError(v.error, () => c.unlockSecret(v.blob, v.pin)),
  },
  'wire.json': {
    generate: async (v) => {
      expectEqual(c.documentKind(v.document), v.kind, 'kind');
      expectEqual(c.documentKeyId(v.document), v.kid, 'kid');
    },
    verify: async (v) => c.checkWireDocument(v.document, wireOptions(v.options)),
    invalid: async (v) => {
      const error = await expectError(v.error, () => c.checkWireDocument(v.document, wireOptions(v.options)));
      if (!error.reason) fail('no reason given');
    },
  },
  'join_code.json': joinCodeChecks(),
  'learning.json': learningChecks({ scripted, expectEqual, expectJson, expectError }),
  'activities.json': {
    generate: async (v) => {
      expectEqual(new TextDecoder().decode(c.catalogueMessage(v.catalogue)), v.message, 'message');
      expectEqual(e(await ed25519Public(b(v.private))), v.key, 'key');
      expectEqual(e(await ed25519Sign(b(v.private), c.catalogueMessage(v.catalogue))), v.sig, 'sig');
    },
    verify: async (v) => {
      expectEqual(JSON.stringify(await c.verifyCatalogue(v.signed, v.pinned)), JSON.stringify(v.catalogue), 'catalogue');
    },
    invalid: (v) => expectError(v.error, () => c.verifyCatalogue(v.signed, v.pinned)),
  },
  'reflective_notes.json': {
    generate: async (v) => {
      const key = await c.notesKey(b(v.secret));
      expectEqual(e(key), v.key, 'key');
      const random = scripted(v.random);
      expectJson(await c.sealNote(key, v.id, b(v.plaintext), { random }), v.expected, 'sealed');
      random.assertUsedUp();
    },
    verify: async (v) => expectEqual(e(await c.openNote(await c.notesKey(b(v.secret)), v.sealed)), v.plaintext, 'plaintext'),
    invalid: async (v) => {
      const key = await c.notesKey(b(v.secret));
      await expectError(v.error, () => c.openNote(key, v.sealed));
    },
  },
};

/** The checks of tests/vectors/join_code.json (docs/crypto.md §21): codes, stretching, boxes, parsing. */
export function joinCodeChecks() {
  const keysOf = (code) => joinCodes.joinCodeKeys(code);
  return {
    generate: async (v) => {
      if (v.type === 'code') {
        const random = scripted(v.random);
        expectEqual(joinCodes.newJoinCode(random), v.code, 'code');
        random.assertUsedUp();
        expectEqual(joinCodes.formatJoinCode(v.code), v.display, 'display');
      } else if (v.type === 'keys') {
        const keys = await keysOf(v.code);
        expectEqual(keys.lookup, v.lookup, 'lookup');
        expectEqual(e(keys.boxKey), v.box_key, 'box key');
      } else {
        const random = scripted(v.random);
        const keys = await keysOf(v.code);
        expectEqual(keys.lookup, v.lookup, 'lookup');
        expectEqual(e(await joinCodes.sealJoinBox(keys, b(v.payload), { random })), v.box, 'box');
        random.assertUsedUp();
      }
    },
    verify: async (v) => {
      if (v.type === 'parse') {
        expectEqual(joinCodes.parseJoinCode(v.text), v.code, 'code');
      } else {
        const keys = await keysOf(v.code);
        expectEqual(keys.lookup, v.lookup, 'lookup');
        expectEqual(e(await joinCodes.openJoinBox(keys, b(v.box))), v.payload, 'payload');
      }
    },
    invalid: async (v) => {
      if (v.type === 'parse') return expectError(v.error, () => joinCodes.parseJoinCode(v.text));
      if (v.type === 'open') return expectError(v.error, async () => joinCodes.openJoinBox(await keysOf(v.code), b(v.box)));
      return expectError(v.error, async () => joinCodes.sealJoinBox(await keysOf(v.code), b(v.payload), { random: noDraws }));
    },
  };
}

/** Every vector case as {label, run}; `loadJson(name)` returns the parsed file. */
export async function collectCases(loadJson) {
  const out = [];
  for (const file of FILES) {
    const vectors = await loadJson(file);
    for (const set of ['generate', 'verify', 'invalid']) {
      for (const v of vectors[set]) out.push({ label: `${file} ${set}: ${v.name}`, run: () => checks[file][set](v) });
    }
  }
  return out;
}

/** Run every case; returns {passed, failures: [{label, error}]}. */
export async function runAll(loadJson) {
  const failures = [];
  let passed = 0;
  for (const { label, run } of await collectCases(loadJson)) {
    try {
      await run();
      passed += 1;
    } catch (error) {
      failures.push({ label, error: String(error && error.stack ? error.stack : error) });
    }
  }
  return { passed, failures };
}
