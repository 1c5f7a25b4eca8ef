// A worker's private reflective notes on their own practice (docs/app.md, "Reflection"; spec §23). Never in a
// plan: kept in this device's own store (IndexedDB, never replicated, never sent to the server), each note
// sealed with AES-256-GCM under a notes key derived from the device's private keys (crypto/notes.js), so
// the person's devices, another worker's devices, the organisation and the server hold nothing that opens
// one. With the app lock on, the keys are only in memory once unlocked, so the notes open only then. A note
// may name the plan it was written after, only inside its ciphertext. The cost: a lost device loses its
// notes, and the worker's other devices do not see them.

import { bytesToHex, notesKey, openNote, sealNote, systemRandom } from '../crypto/index.js';
import { AppLocked, loadDevice, readNotesRecord, writeNotesRecord } from './device.js';

const FORMAT = 1; // inside each note: {v: 1, id, written, plan, plan_title, text}
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes sealed for a note (the plan it was written after, if any, only in here). */
export function noteBytes({ id, written, plan = null, planTitle = '', text }) {
  return encoder.encode(JSON.stringify({ v: FORMAT, id, written, plan, plan_title: planTitle, text }));
}

/** A note's body read back from its bytes, or null when it is not one (another format). */
export function noteFrom(bytes, id) {
  try {
    const body = JSON.parse(decoder.decode(bytes));
    if (body?.v !== FORMAT || body.id !== id || typeof body.text !== 'string' || typeof body.written !== 'string') return null;
    return { id, written: body.written, plan: body.plan || null, planTitle: body.plan_title || '', text: body.text };
  } catch {
    return null;
  }
}

async function keyAndRecord() {
  const device = await loadDevice();
  if (!device) throw new AppLocked();
  const stored = await readNotesRecord();
  const notes = stored?.v === 1 && Array.isArray(stored.notes) ? stored.notes : [];
  return { key: await notesKey(device.keys.privateBytes()), notes };
}

/**
 * This device's reflective notes, newest first: {notes: [{id, written, plan, planTitle, text}], unopened}
 * (`unopened`: how many are kept that do not open, e.g. sealed under keys this device no longer has).
 * Throws AppLocked while the app is locked.
 */
export async function readNotes() {
  const { key, notes } = await keyAndRecord();
  const opened = [];
  let unopened = 0;
  for (const sealed of notes) {
    try {
      const note = noteFrom(await openNote(key, sealed), sealed.id);
      if (note) opened.push(note);
      else unopened += 1;
    } catch {
      unopened += 1;
    }
  }
  opened.sort((a, b) => (a.written < b.written ? 1 : a.written > b.written ? -1 : 0));
  return { notes: opened, unopened };
}

/** Seal and keep a new note in `text`, perhaps written after plan `plan` (its title `planTitle`); returns its id. */
export async function writeNote(text, { plan = null, planTitle = '', random = systemRandom } = {}) {
  const { key, notes } = await keyAndRecord();
  const id = bytesToHex(random(16));
  const sealed = await sealNote(key, id, noteBytes({ id, written: new Date().toISOString(), plan, planTitle, text }), { random });
  await writeNotesRecord({ v: 1, notes: [...notes, sealed] });
  return id;
}

/** Remove note `id` from this device. */
export async function deleteNote(id) {
  const { notes } = await keyAndRecord();
  await writeNotesRecord({ v: 1, notes: notes.filter((sealed) => sealed.id !== id) });
}
