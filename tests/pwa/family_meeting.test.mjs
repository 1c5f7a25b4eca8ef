// The family's meeting in the data layer (data/meeting.js), on real plans: participants and who can speak,
// the speaker chosen on a device passed round, and sign-ups, each participant's own or recorded on the
// device passed round, bound to the plan as it stood.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  addParticipant,
  currentSpeaker,
  participants,
  planHash,
  setSpeaker,
  signUp,
  signUps,
  speakers,
} from '../../pwa/src/data/meeting.js';
import { cleanUp, joinPlan, newDevice, sync, tabletAndPhone } from './plan_harness.mjs';

after(cleanUp);

const named = (records) => records.map((r) => [r.name, r.party, r.recordedOn ? r.recordedOn.label : null]);

test('participants are items of the plan; speakers are the person, this device user and each participant, once', async () => {
  const { hub, tablet, phone } = await tabletAndPhone();
  await addParticipant(phone, { name: ' Jo ', joins: 'here' });
  await addParticipant(phone, { name: 'Kim', joins: 'phone' });
  await addParticipant(phone, { name: 'Dee', joins: 'here' });
  const mo = await addParticipant(phone, { name: 'Mo', joins: 'phone' });
  assert.ok(speakers(phone).includes('Mo'));
  await phone.remove(mo); // taken off the list: no longer a speaker
  await assert.rejects(addParticipant(phone, { name: '  ' }), /needs a name/);
  await assert.rejects(addParticipant(phone, { name: 'Mo', joins: 'car' }), /joins from/);
  await sync(hub, tablet, phone);
  assert.deepEqual(
    participants(tablet).map((p) => [p.name, p.joins]),
    [
      ['Jo', 'here'],
      ['Kim', 'phone'],
      ['Dee', 'here'],
    ],
  );
  assert.deepEqual(speakers(phone), ['Dee', 'Jo', 'Kim']);
  assert.deepEqual(speakers(tablet), ['Dee', 'Ali', 'Jo', 'Kim']);
  // Who is speaking is this page's choice for this plan only; a name that is not a speaker is not taken.
  assert.equal(currentSpeaker(phone, 'Dee'), 'Dee');
  setSpeaker(phone, 'Jo');
  assert.equal(currentSpeaker(phone, 'Dee'), 'Jo');
  assert.equal(currentSpeaker(tablet, 'Dee'), 'Dee');
  setSpeaker(phone, 'Nobody here');
  assert.equal(currentSpeaker(phone, 'Dee'), 'Dee');
});

test('each participant signs up: their own on their own phone, recorded on the device passed round, bound to the plan as it stood', async () => {
  const { hub, tablet, phone } = await tabletAndPhone();
  const kim = await joinPlan(hub, phone, await newDevice('Kim', "Kim's phone"), { role: 'supporter', access: 'write' });
  await phone.create('strength', { text: 'Dee keeps the family together', said_by: 'Dee', voice: 'own' });
  await sync(hub, tablet, phone, kim);
  await signUp(phone, 'Dee'); // the person, on their own device
  await signUp(phone, 'Jo'); // Jo, on the person's device passed round
  await signUp(kim, 'Kim'); // Kim, on their own phone
  await sync(hub, tablet, phone, kim);
  const hash = await planHash(tablet);
  assert.ok(hash);
  for (const plan of [tablet, phone, kim]) {
    assert.equal(await planHash(plan), hash, 'every member computes the same hash of the plan');
    const records = signUps(plan);
    assert.deepEqual(named(records), [
      ['Dee', 'self', null],
      ['Jo', 'named', 'phone'],
      ['Kim', 'self', null],
    ]);
    assert.ok(records.every((r) => r.hash === hash && r.value === 'yes'));
    assert.equal(records[1].by, phone.device.deviceId);
  }
  // What the family keeps to itself is not part of the plan everyone signs up to: the worker could not hash it.
  await phone.shareAudienceKeys();
  await phone.create('strength', { text: 'Only the family knows this', said_by: 'Dee', voice: 'own' }, { audience: 'family' });
  await sync(hub, tablet, phone, kim);
  assert.ok(phone.list('strength').some((item) => item.audience === 'family'));
  assert.ok(!tablet.list('strength').some((item) => item.audience === 'family'));
  for (const plan of [tablet, phone, kim]) assert.equal(await planHash(plan), hash);

  // The person's own sign-up is the person's agreement with the plan's header; Jo's, recorded for Jo, is not.
  const forHeader = tablet.agreementsFor(tablet.header.id);
  assert.equal(forHeader.person?.by, phone.device.deviceId);
  assert.deepEqual(forHeader.refused, []);

  // Signing again rewrites the same record; a change to the plan leaves earlier sign-ups on an earlier version.
  await signUp(phone, 'Jo');
  await tablet.create('step', { text: 'Ring the school', said_by: 'Dee', voice: 'own', status: 'not_started' });
  await sync(hub, tablet, phone, kim);
  assert.equal(phone.list('agreement').filter((a) => a.f.name?.v === 'Jo').length, 1);
  const changed = await planHash(kim);
  assert.notEqual(changed, hash);
  assert.ok(signUps(kim).every((r) => r.hash !== changed));
  await signUp(kim, 'Kim');
  await sync(hub, tablet, phone, kim);
  assert.deepEqual(
    signUps(tablet).filter((r) => r.hash === changed).map((r) => r.name),
    ['Kim'],
  );

  // Taking a sign-up back ('') leaves it out.
  await signUp(phone, 'Jo', { value: '' });
  await sync(hub, tablet, phone, kim);
  assert.deepEqual(
    signUps(tablet).map((r) => r.name),
    ['Dee', 'Kim'],
  );
});

test('a sign-up whose name another device set, or a reader device, records nothing', async () => {
  const { hub, tablet, phone } = await tabletAndPhone();
  const reader = await joinPlan(hub, phone, await newDevice('Mo', "Mo's phone"), { role: 'supporter', access: 'read' });
  await assert.rejects(signUp(reader, 'Mo'), /cannot record a sign-up/);
  await signUp(phone, 'Jo');
  await sync(hub, tablet, phone);
  const record = phone.list('agreement').find((a) => a.f.name?.v === 'Jo');
  // The worker's device rewrites the name on the phone's record: the record no longer counts for anyone.
  await tablet.update(record.id, { name: 'Ali' });
  await sync(hub, tablet, phone);
  assert.deepEqual(signUps(phone), []);
  assert.deepEqual(signUps(tablet), []);
});
