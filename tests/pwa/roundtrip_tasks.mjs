// Cross-implementation tasks: the JS side opens what Python sealed and seals its own for Python to open;
// versions (n, prev, version hashes), field statements, the version order, plan and roster ids, binds.
// Used by roundtrip.mjs (Node, JSON on stdin/stdout) and by the Chromium test (page.evaluate).

import * as c from '../../pwa/src/crypto/index.js';
import { b, deviceFrom, devicesFrom, e, keyFrom, keyJson, keyringFrom, publicFrom, publicJson } from './vector_checks.mjs';

const ops = {
  async open_item(t) {
    const opened = await c.openItem(t.document, {
      planId: t.plan_id,
      keyring: await keyringFrom(t.plan_id, t.keys),
      devices: await devicesFrom(t.devices),
      allowRetired: Boolean(t.allow_retired),
    });
    const { body, author, kid, deleted, version, n, prev, vh } = opened;
    return { body, author, kid, deleted, version, n, prev, vh };
  },
  async seal_item(t) {
    const document = await c.sealItem(t.body, {
      planId: t.plan_id,
      docId: t.doc_id,
      key: await keyFrom(t.plan_id, t.key),
      author: await deviceFrom(t.author),
      deleted: Boolean(t.deleted),
      n: t.n ?? 1,
      prev: t.prev ?? [],
    });
    return { document };
  },
  async reseal_item(t) {
    const document = await c.resealItem(t.document, {
      planId: t.plan_id,
      keyring: await keyringFrom(t.plan_id, t.keys),
      devices: await devicesFrom(t.devices),
      key: await keyFrom(t.plan_id, t.key),
      rev: t.rev,
    });
    return { document };
  },
  async next_version(t) {
    return c.nextVersion(t.versions);
  },
  async judge(t) {
    return c.judgeVersions(t.memory, t.winner, t.leaves);
  },
  async sign_field(t) {
    const { plan_id: planId, doc_id: docId, name, value, h, at } = t;
    return { sig: await c.signField({ planId, docId, name, value, h, at, author: await deviceFrom(t.author) }) };
  },
  async verify_field(t) {
    await c.verifyField({ planId: t.plan_id, docId: t.doc_id, name: t.name, field: t.field, devices: await devicesFrom(t.devices) });
    return { valid: true };
  },
  async plan_ids(t) {
    const creator = await publicFrom(t.creator);
    return {
      plan_id: await c.planIdFor(creator.signing, b(t.salt)),
      roster_id: await c.rosterDocumentId(t.plan_id, creator.deviceId),
    };
  },
  async admission_bind(t) {
    const bindKey = await c.inviteBindKey(t.text);
    return { bind_key: e(bindKey), bind: await c.admissionBind(bindKey, { planId: t.plan_id, deviceId: t.device_id }) };
  },
  async rotate(t) {
    const remaining = [];
    for (const p of t.remaining) remaining.push(await publicFrom(p));
    const { key, documents } = await c.rotatePlanKey(await keyringFrom(t.plan_id, t.keys), {
      remaining,
      granter: await deviceFrom(t.granter),
      epoch: t.epoch,
    });
    return { key: keyJson(key), documents };
  },
  async open_grant(t) {
    const { key, granter } = await c.openGrant(t.document, {
      planId: t.plan_id,
      device: await deviceFrom(t.device),
      trusted: await devicesFrom(t.trusted),
    });
    return { ...keyJson(key), granter };
  },
  async grant(t) {
    const document = await c.grantPlanKey(await keyFrom(t.plan_id, t.key), {
      recipient: await publicFrom(t.recipient),
      granter: await deviceFrom(t.granter),
    });
    return { document };
  },
  async open_invite(t) {
    const joined = await c.openInvite(t.text, { now: t.now });
    return {
      plan_id: joined.planKey.planId,
      ...keyJson(joined.planKey),
      inviter: publicJson(joined.inviter),
      invite_id: joined.inviteId,
      auth_token: joined.authToken,
      role: joined.role,
      access: joined.access,
      registration: joined.registration,
      fingerprint: await c.planFingerprint(joined.planKey.planId, joined.planKey.kid, joined.inviter.signing),
    };
  },
  async create_invite(t) {
    const invite = await c.createInvite(await keyFrom(t.plan_id, t.key), {
      inviter: await deviceFrom(t.inviter),
      role: t.role,
      access: t.access,
      now: t.now,
      lifetime: t.lifetime,
    });
    return { text: invite.toText() };
  },
  async sign(t) {
    const signed = await c.signItem(t.body, {
      planId: t.plan_id,
      docId: t.doc_id,
      author: await deviceFrom(t.author),
      deleted: Boolean(t.deleted),
      n: t.n ?? 1,
      prev: t.prev ?? [],
    });
    const vh = await c.versionHash(signed, { planId: t.plan_id, docId: t.doc_id, deleted: Boolean(t.deleted) });
    return { signed: signed.toJSON(), vh };
  },
  async verify(t) {
    const signed = c.SignedItem.fromJSON(t.signed);
    const where = { planId: t.plan_id, docId: t.doc_id, deleted: Boolean(t.deleted) };
    await c.verifyItem(signed, { ...where, devices: await devicesFrom(t.devices) });
    return { valid: true, vh: await c.versionHash(signed, where) };
  },
  async lock(t) {
    return { blob: await c.lockSecret(b(t.secret), t.pin, { iterations: t.iterations }) };
  },
  async unlock(t) {
    return { secret: e(await c.unlockSecret(t.blob, t.pin)) };
  },
  async check_wire(t) {
    return { kind: c.documentKind(t.document), kid: c.documentKeyId(t.document) };
  },
};

/** Run tasks in order; each result is {ok: true, value} or {ok: false, error: "<ErrorClassName>"}. */
export async function runTasks(tasks) {
  const results = [];
  for (const task of tasks) {
    try {
      if (!Object.hasOwn(ops, task.op)) throw new Error(`unknown op ${task.op}`);
      results.push({ ok: true, value: await ops[task.op](task) });
    } catch (error) {
      if (!(error instanceof c.CryptoError)) throw error;
      results.push({ ok: false, error: error.name });
    }
  }
  return results;
}
