// Reflection at a review (docs/app.md, "Reflection at a review"): the person and the worker each look back
// in their own words, what helped, what got in the way and what we would do differently. Each is a
// `reflection` item linked to the review (data/kinds.js), attributed to who said it and whose reflection it
// is. Written in the review's last step (ui/review.jsx), read back with the review, in the list of earlier
// reviews and in the readable copy (data/readable.js).

import { fieldValue } from '../data/kinds.js';
import { t, tAbout } from '../i18n/index.js';
import { TextArea, TextInput, U } from './common.jsx';

/** The questions of a reflection, in order (fields of a `reflection` item). */
export const REFLECTION_QUESTIONS = ['helped', 'hindered', 'differently'];
/** Whose reflection it is, in the order they are asked and read. */
export const REFLECTION_ROLES = ['person', 'worker'];

const said = (values) => REFLECTION_QUESTIONS.some((q) => (values[q] || '').trim());

/** The reflections given at review `reviewId`, the person's first. */
export function reflectionsOf(plan, reviewId) {
  const rank = (item) => REFLECTION_ROLES.indexOf(fieldValue(item, 'role'));
  return plan
    .list('reflection')
    .filter((item) => fieldValue(item, 'review') === reviewId)
    .sort((a, b) => rank(a) - rank(b));
}

/** Empty reflections for a review's form: the person's (named as in the plan) and the worker's (this device's name). */
export function emptyReflections(plan, workerName = '') {
  const blank = Object.fromEntries(REFLECTION_QUESTIONS.map((q) => [q, '']));
  return { person: { ...blank, by: fieldValue(plan.header, 'person') || '' }, worker: { ...blank, by: workerName } };
}

/** Keep each reflection with something said in it, linked to review `reviewId`. */
export async function saveReflections(plan, reviewId, reflections) {
  for (const role of REFLECTION_ROLES) {
    const values = reflections[role];
    if (!said(values)) continue;
    const item = { review: reviewId, role, by: values.by.trim() };
    for (const q of REFLECTION_QUESTIONS) if (values[q].trim()) item[q] = values[q];
    await plan.create('reflection', item);
  }
}

/** The review form's part for reflections: one group of questions each for the person and the worker. */
export function ReflectionFields({ plan, reflections, onChange }) {
  const set = (role, name) => (value) => onChange({ ...reflections, [role]: { ...reflections[role], [name]: value } });
  return (
    <section class="reflection-fields" aria-labelledby="reflect-h">
      <h3 id="reflect-h">{t('reflect.title')}</h3>
      <p class="hint">{t('reflect.intro')}</p>
      {REFLECTION_ROLES.map((role) => (
        <fieldset key={role} class="card" data-reflection-form={role}>
          <legend>{tAbout(plan, `reflect.role.${role}`)}</legend>
          <TextInput name={`reflect-${role}-by`} label={t('reflect.by')} value={reflections[role].by} onInput={set(role, 'by')} />
          {REFLECTION_QUESTIONS.map((q) => (
            <TextArea key={q} name={`reflect-${role}-${q}`} label={t(`reflect.q.${q}`)} value={reflections[role][q]} onInput={set(role, q)} rows={2} />
          ))}
        </fieldset>
      ))}
    </section>
  );
}

/** The reflections given at a review, each in the words it was said in, with who said it and whose it is. */
export function ReviewReflections({ plan, reviewId }) {
  const found = reflectionsOf(plan, reviewId);
  if (!found.length) return null;
  return (
    <div class="review-reflections">
      {found.map((item) => {
        const role = fieldValue(item, 'role');
        return (
          <div key={item.id} class="review-reflection" data-reflection={role} data-item={item.id}>
            <p class="reflection-head">
              <strong>{REFLECTION_ROLES.includes(role) ? tAbout(plan, `reflect.role.${role}`) : t('reflect.title')}</strong>
              {fieldValue(item, 'by') && (
                <>
                  {' — '}
                  <U>{fieldValue(item, 'by')}</U>
                </>
              )}
            </p>
            <dl class="review-answers">
              {REFLECTION_QUESTIONS.filter((q) => (fieldValue(item, q) || '').trim()).map((q) => (
                <div key={q} data-answer={q}>
                  <dt>{t(`reflect.q.${q}`)}</dt>
                  <dd>
                    <U>{fieldValue(item, q)}</U>
                  </dd>
                </div>
              ))}
            </dl>
          </div>
        );
      })}
    </div>
  );
}
