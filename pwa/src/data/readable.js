// A readable copy of the plan: one self-contained HTML file (no scripts, no outside files, a CSP that
// forbids both) with every section in plain words, people's own words marked dir="auto", who said and
// typed (or changed) each thing, the person's agreement, each item's history of versions and, last, what
// changed between agreed versions (data/versiondiff.js). It opens in any browser, with no app and no key. What it says about provenance, agreements and history comes from
// the caller as data (`plan.provenanceOf`, `plan.agreementsFor`, `plan.history`), worded by ui/wording.js.

import { agreementLines, fieldLabel, personAgreement, provenanceParts, valuePieces, versionHeading } from '../ui/wording.js';
import { activityFacts, linkedActivity } from './activitylinks.js';
import { TYPES, fieldValue, readableFields } from './kinds.js';
import { SECTIONS, contentItems, mainText, values as valuesOf } from './model.js';
import { bySection, diffVersions, keptAgreement } from './versiondiff.js';
import { detailsOf, visitMoment } from './plandetails.js';
import { readingDay } from './progress.js';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
const words = (value) => typeof value === 'string' && value.trim() !== '';

const STYLE = `
body{font:1.125rem/1.5 system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;color:#111;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.3rem;margin:1.5rem 0 .5rem;border-bottom:2px solid #1d4d4f}
article{border:1px solid #999;border-radius:.4rem;padding:.6rem .8rem;margin:.6rem 0;break-inside:avoid}
.text{font-size:1.25rem;margin:0 0 .3rem}dl{margin:.3rem 0}dt{font-weight:bold}dd{margin:0 0 .3rem}
.who,.made,.history{color:#444;font-size:1rem;margin:.3rem 0}.agreed{font-weight:bold}.earlier,.warn{font-style:italic}
.history ol{margin:.2rem 0;padding-inline-start:1.2rem}
@media print{body{max-width:none}a{color:inherit}}
`;

/** Pieces (ui/wording.js) as HTML: people's words in their own direction. */
const html = (pieces) => pieces.map((piece) => (typeof piece === 'string' ? escapeHtml(piece) : `<span dir="auto">${escapeHtml(piece.user)}</span>`)).join('');

/** Roster names from the plan's own device items, for callers that give none. */
function rosterNames(items) {
  const names = {};
  for (const device of items.filter((item) => item.type === 'device')) {
    const v = valuesOf(device);
    if (typeof v.device_id === 'string' && words(v.name)) names[v.device_id] = { name: v.name, label: words(v.label) ? v.label : '' };
  }
  return names;
}

/** What the plan says about an item's provenance when the caller gives nothing: the item's own fields. */
const plainProvenance = (item) => {
  const v = valuesOf(item);
  return { saidBy: v.said_by, voice: v.voice, typedBy: item.created?.dev, typedAt: item.created?.at };
};

/**
 * The HTML text of a readable copy of the plan `items` (decrypted, model.js shape). `t` gives labels in the
 * UI language `lang` (direction `dir`), `about` words about the person in the form they chose (i18n
 * `tAbout`); `formatDay`, `formatDateTime` format dates the same way. Gathered by
 * the caller, by item id: `provenance` (`plan.provenanceOf`), `agreements` (`plan.agreementsFor`) and
 * `histories` (`plan.history`); `names` (device id -> {name, label}) and `roles` (device id -> role) from
 * the plan's roster. `compare` ({older, newer}: version item ids) chooses the two agreed versions the part on
 * what changed compares; without it, that part says what changed since the last agreed version.
 */
export function readableCopy(
  items,
  { t, about = t, lang, dir, formatDay, formatDateTime, appName, now = Date.now(), provenance = {}, agreements = {}, histories = {}, names = rosterNames(items), roles = {}, compare = null },
) {
  const live = items.filter((item) => item && item.f && !item.deleted);
  const byId = new Map(live.map((item) => [item.id, item]));
  const byType = (type) => live.filter((item) => item.type === type).sort((a, b) => a.created.at - b.created.at || (a.id < b.id ? -1 : 1));
  const header = byType('plan')[0];
  const plan = header ? valuesOf(header) : {};
  const context = { t, about, names, roles, person: words(plan.person) ? plan.person : '', formatDateTime };
  const user = (value, tag = 'span', cls = '') => `<${tag} dir="auto"${cls ? ` class="${cls}"` : ''}>${escapeHtml(value)}</${tag}>`;
  const linked = (id) => (byId.has(id) ? mainText(byId.get(id)) : null);
  const valueHtml = (type, name, value) => html(valuePieces(t, type, name, value, { formatDay, mainTextOf: linked }));

  const detail = (item, [name], v) => {
    const shown = valueHtml(item.type, name, v[name]);
    return shown ? `<div><dt>${escapeHtml(about(`form.${item.type}.${name}`))}</dt><dd>${shown}</dd></div>` : '';
  };

  const readings = (goal) =>
    byType('reading')
      .filter((r) => fieldValue(r, 'goal') === goal.id)
      .map((r) => {
        const v = valuesOf(r);
        const parts = [`<strong>${escapeHtml(v.value)}</strong> / 10`, words(v.party) ? user(v.party) : '', escapeHtml(formatDay(readingDay(r)))].filter(Boolean);
        const why = words(v.why) ? `<br>${escapeHtml(t('form.reading.why'))} ${user(v.why)}` : '';
        const higher = words(v.higher) ? `<br>${escapeHtml(t('form.reading.higher'))} ${user(v.higher)}` : '';
        return `<li>${parts.join(' · ')}${why}${higher}</li>`;
      });

  const provenanceLine = (item) => {
    const prov = provenance[item.id] || plainProvenance(item);
    const segments = provenanceParts(prov, context).map(html);
    if (prov.checked === false) segments.push(`<span class="warn">${escapeHtml(t('prov.unverified'))}</span>`);
    return segments.length ? `<p class="who">${segments.join(' · ')}</p>` : '';
  };

  const agreementHtml = (item) => {
    const given = agreements[item.id];
    const v = valuesOf(item);
    // An item from before agreements named the words may still hold the old `agree` field.
    const found = given || (v.agree === 'yes' || v.agree === 'no' ? { legacy: { value: v.agree } } : null);
    const cls = { agreed: 'agreed', 'not-agreed': 'agreed', earlier: 'earlier', warn: 'warn' };
    return agreementLines(found, context)
      .map((line) => `<p class="${cls[line.tone]}" data-agreement="${line.kind}">${html(line.pieces)}</p>`)
      .join('');
  };

  // The item's versions, newest first, when there is more to say than its provenance line: more than one
  // version, or earlier ones this device does not hold.
  const historyHtml = (item) => {
    const history = histories[item.id];
    if (!history || (history.versions.length <= 1 && history.complete)) return '';
    const versions = [...history.versions].sort((a, b) => b.n - a.n);
    const entries = versions.map((version, index) => {
      // The oldest version held, when earlier ones are missing: what it held, not what it changed.
      const held = !history.complete && index === versions.length - 1 && version.n > 1;
      const changes = (version.changes || [])
        .map((change) => {
          const before = valueHtml(item.type, change.name, change.before);
          const after = valueHtml(item.type, change.name, change.after) || escapeHtml(t('history.nothing'));
          let from = `${escapeHtml(t('history.added'))} ${after}`;
          if (held) from = after;
          else if (before) from = `${escapeHtml(t('history.before'))} ${before}; ${escapeHtml(t('history.after'))} ${after}`;
          return `<li>${escapeHtml(fieldLabel(t, item.type, change.name))}: ${from}</li>`;
        })
        .join('');
      const note = held ? ` ${escapeHtml(t('history.first_held'))}` : '';
      return `<li>${html(versionHeading(version, { ...context, first: version.n <= 1 }))}${note}${changes ? `<ul>${changes}</ul>` : ''}</li>`;
    });
    const incomplete = history.complete ? '' : `<p>${escapeHtml(t('history.incomplete'))}</p>`;
    return `<div class="history"><p>${escapeHtml(t('history.title'))}</p><ol>${entries.join('')}</ol>${incomplete}</div>`;
  };

  // A step's linked community activity: the copy the step keeps of the directory entry (data/activitylinks.js).
  const activityHtml = (item) => {
    const activity = item.type === 'step' ? linkedActivity(item) : null;
    if (!activity) return '';
    const facts = activityFacts(activity, t).map(([label, text]) => `${escapeHtml(label)}: ${user(text)}`);
    return `<div data-linked-activity><dt>${escapeHtml(t('link.heading'))}</dt><dd>${user(activity.name)}${facts.length ? `<br>${facts.join('<br>')}` : ''}</dd></div>`;
  };

  const card = (item) => {
    const v = valuesOf(item);
    const dl = readableFields(item.type).map((field) => detail(item, field, v)).join('') + activityHtml(item);
    const scale = item.type === 'goal' ? readings(item) : [];
    const scaleHtml = scale.length ? `<p>${escapeHtml(t('export.readings'))}</p><ul>${scale.join('')}</ul>` : '';
    return `<article data-type="${escapeHtml(item.type)}">${user(mainText(item), 'p', 'text')}${dl ? `<dl>${dl}</dl>` : ''}${scaleHtml}${provenanceLine(item)}${agreementHtml(item)}${historyHtml(item)}</article>`;
  };

  // What changed: between two chosen agreed versions, or from the last agreed version to the plan now.
  const changesHtml = () => {
    const chosen = compare && [byId.get(compare.older), byId.get(compare.newer)];
    const number = (version) => fieldValue(version, 'number') || 0;
    const pair = chosen && chosen.every((v) => v?.type === 'version') ? chosen.sort((a, b) => number(a) - number(b)) : null;
    const versions = byType('version').sort((a, b) => number(a) - number(b));
    const last = versions[versions.length - 1];
    if (!pair && !last) return '';
    const snapshotOf = (version) => fieldValue(version, 'snapshot') || [];
    const now = contentItems(live).map((item) => ({ id: item.id, type: item.type, values: valuesOf(item), agreement: agreements[item.id]?.person || null }));
    const [before, after] = pair ? pair.map(snapshotOf) : [snapshotOf(last), now];
    const difference = diffVersions(before, after);
    const when = (version) => formatDateTime(version.created.at);
    const intro = pair
      ? t('compare.between', { older: fieldValue(pair[0], 'number'), older_when: when(pair[0]), newer: fieldValue(pair[1], 'number'), newer_when: when(pair[1]) })
      : t('compare.since', { n: fieldValue(last, 'number'), when: when(last) });
    const textOf = (entry) => entry?.values?.[TYPES[entry.type]?.text] ?? '';
    const namer = (snapshot) => (id) => textOf(snapshot.find((entry) => entry.id === id)) || null;
    const shown = (entry, name, value, snapshot) => html(valuePieces(t, entry.type, name, value, { formatDay, mainTextOf: namer(snapshot) })) || escapeHtml(t('history.nothing'));
    const agreed = (record) => {
      const line = personAgreement(record || null, context);
      return line ? html(line.pieces) : escapeHtml(t('versions.not_asked'));
    };
    const entryHtml = (kind, entry) => {
      if (kind !== 'changed') return `<li>${user(textOf(entry))} — ${agreed(keptAgreement(entry))}</li>`;
      const fields = entry.fields.map(
        (field) =>
          `<li>${escapeHtml(fieldLabel(t, entry.type, field.name))}: ${escapeHtml(t('history.before'))} ${shown(entry, field.name, field.before, before)}; ${escapeHtml(t('history.after'))} ${shown(entry, field.name, field.after, after)}</li>`,
      );
      if (entry.agreement) {
        fields.push(`<li>${escapeHtml(t('compare.agreement'))}: ${escapeHtml(t('history.before'))} ${agreed(entry.agreement.before)}; ${escapeHtml(t('history.after'))} ${agreed(entry.agreement.after)}</li>`);
      }
      return `<li>${user(textOf(entry.after))}<ul>${fields.join('')}</ul></li>`;
    };
    const lists = ['added', 'changed', 'removed']
      .filter((kind) => difference[kind].length)
      .map((kind) => {
        const groups = bySection(difference[kind]).map(
          (group) => `<li>${group.section ? escapeHtml(t(`section.${group.section}`)) : ''}<ul>${group.entries.map((entry) => entryHtml(kind, entry)).join('')}</ul></li>`,
        );
        return `<h3>${escapeHtml(t(`compare.${kind}`))} (${difference[kind].length})</h3><ul data-diff="${kind}">${groups.join('')}</ul>`;
      });
    const same = lists.length ? '' : `<p>${escapeHtml(t(pair ? 'compare.same' : 'compare.same_now'))}</p>`;
    const heading = t(pair ? 'compare.title' : 'compare.since_last');
    return `<section data-section="changes"><h2>${escapeHtml(heading)}</h2>\n<p>${escapeHtml(intro)}</p>${same}${lists.join('')}</section>`;
  };

  // Every review, newest first: what was said and who said it, then each one's reflection (ui/reflection.jsx).
  const reviewsHtml = () => {
    const reviews = byType('review').sort((a, b) => String(fieldValue(b, 'date') || '').localeCompare(String(fieldValue(a, 'date') || '')));
    if (!reviews.length) return '';
    const answer = (label, value, by) => (words(value) ? `<div><dt>${escapeHtml(label)}</dt><dd>${user(value)}${words(by) ? ` — ${user(by)}` : ''}</dd></div>` : '');
    const entries = reviews.map((review) => {
      const v = valuesOf(review);
      const said = ['changed', 'helped', 'hindered', 'next'].map((q) => answer(t(`review.q.${q}`), v[q], v[`${q}_by`])).join('');
      const reflections = byType('reflection')
        .filter((item) => fieldValue(item, 'review') === review.id)
        .map((item) => {
          const r = valuesOf(item);
          const whose = ['person', 'worker'].includes(r.role) ? about(`reflect.role.${r.role}`) : t('reflect.title');
          const parts = ['helped', 'hindered', 'differently'].map((q) => answer(t(`reflect.q.${q}`), r[q])).join('');
          return `<div data-reflection="${escapeHtml(r.role)}"><p><strong>${escapeHtml(whose)}</strong>${words(r.by) ? ` — ${user(r.by)}` : ''}</p>${parts ? `<dl>${parts}</dl>` : ''}</div>`;
        })
        .join('');
      return `<article data-type="review"><p class="text">${escapeHtml(v.date ? t('review.of_day', { when: formatDay(v.date) }) : t('reflect.reviews'))}</p>${said ? `<dl>${said}</dl>` : ''}${reflections}</article>`;
    });
    return `<section data-section="reviews"><h2>${escapeHtml(t('reflect.reviews'))}</h2>
${entries.join('\n')}</section>`;
  };

  const sections = SECTIONS.filter((section) => section.kinds.length)
    .map((section) => {
      const list = section.kinds.flatMap((type) => byType(type));
      const body = list.length ? list.map(card).join('\n') : `<p>${escapeHtml(t('section.empty'))}</p>`;
      return `<section data-section="${section.id}"><h2>${escapeHtml(t(section.label))}</h2>\n${body}</section>`;
    })
    .join('\n');
  const headingParts = [words(plan.person) ? user(plan.person) : '', words(plan.title) ? user(plan.title) : ''].filter(Boolean);
  const shown = detailsOf(header); // the status as the app shows it (an older plan's value read as today's)
  const facts = [
    header ? `<div><dt>${escapeHtml(t('export.status'))}</dt><dd data-plan-status="${shown.status}">${escapeHtml(t(`choice.status_plan.${shown.status}`))}</dd></div>` : '',
    shown.visit ? `<div><dt>${escapeHtml(t('details.visit'))}</dt><dd>${escapeHtml(shown.visitTime ? formatDateTime(visitMoment(shown)) : formatDay(shown.visit))}</dd></div>` : '',
    shown.review ? `<div><dt>${escapeHtml(t('export.review'))}</dt><dd>${escapeHtml(formatDay(shown.review))}</dd></div>` : '',
  ].join('');
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" dir="${escapeHtml(dir)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(t('export.doc_title'))}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${headingParts.join(' — ') || escapeHtml(t('export.doc_title'))}</h1>
${facts ? `<dl>${facts}</dl>` : ''}
<p class="made">${escapeHtml(t('export.made', { app: appName, when: formatDateTime(now) }))}</p>
${sections}
${reviewsHtml()}
${changesHtml()}
</main>
</body>
</html>
`;
}
