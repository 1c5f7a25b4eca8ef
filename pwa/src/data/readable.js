// A readable copy of the plan: one self-contained HTML file (no scripts, no outside files, a CSP that
// forbids both) with every section in plain words, people's own words marked dir="auto", who said and
// typed each thing, and whether it was agreed. It opens in any browser, with no app and no key.

import { SECTIONS, TYPES, values as valuesOf } from './model.js';

/** The fields shown under an item's main text, in order: [field, kind] (kind: words, choice group, date, links). */
const FIELDS = {
  strength: [['kind', 'kind'], ['noticed', 'words'], ['example', 'words']],
  matter: [['column', 'column'], ['other_view', 'words'], ['other_by', 'words'], ['differ', 'flag']],
  goal: [['horizon', 'horizon'], ['status', 'status_goal'], ['due', 'date'], ['low', 'words'], ['high', 'words']],
  step: [['who', 'words'], ['due', 'date'], ['checker', 'words'], ['status', 'status_step'], ['goals', 'links']],
  contingency: [['response', 'words'], ['who', 'words'], ['call', 'words']],
  person: [['relationship', 'words'], ['circle', 'circle'], ['safe', 'safe'], ['goals', 'links'], ['steps', 'links']],
  good_news: [],
};

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
const words = (value) => typeof value === 'string' && value.trim() !== '';

const STYLE = `
body{font:1.125rem/1.5 system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;color:#111;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.3rem;margin:1.5rem 0 .5rem;border-bottom:2px solid #1d4d4f}
article{border:1px solid #999;border-radius:.4rem;padding:.6rem .8rem;margin:.6rem 0;break-inside:avoid}
.text{font-size:1.25rem;margin:0 0 .3rem}dl{margin:.3rem 0}dt{font-weight:bold}dd{margin:0 0 .3rem}
.who,.made{color:#444;font-size:1rem;margin:.3rem 0}.agreed{font-weight:bold}
@media print{body{max-width:none}a{color:inherit}}
`;

/**
 * The HTML text of a readable copy of the plan `items` (decrypted, model.js shape). `t` gives labels
 * in the UI language `lang` (direction `dir`); `formatDay`, `formatDateTime` format dates the same way.
 */
export function readableCopy(items, { t, lang, dir, formatDay, formatDateTime, appName, now = Date.now() }) {
  const live = items.filter((item) => item && item.f && !item.deleted);
  const byId = new Map(live.map((item) => [item.id, item]));
  const byType = (type) => live.filter((item) => item.type === type).sort((a, b) => a.created.at - b.created.at || (a.id < b.id ? -1 : 1));
  const mainText = (item) => item.f[TYPES[item.type]?.text]?.v ?? '';
  const typists = new Map(byType('device').map((d) => [d.f.device_id?.v, valuesOf(d)]));
  const header = byType('plan')[0];
  const plan = header ? valuesOf(header) : {};
  const user = (value, tag = 'span', cls = '') => `<${tag} dir="auto"${cls ? ` class="${cls}"` : ''}>${escapeHtml(value)}</${tag}>`;

  const detail = (item, [name, kind], v) => {
    const value = v[name];
    if (value === undefined || value === null || value === '' || value === false) return '';
    let shown;
    if (kind === 'words') shown = words(value) ? user(value) : '';
    else if (kind === 'date') shown = escapeHtml(formatDay(value));
    else if (kind === 'flag') shown = escapeHtml(t('yes'));
    else if (kind === 'links') {
      const linked = (Array.isArray(value) ? value : []).map((id) => byId.get(id)).filter(Boolean);
      shown = linked.map((i) => user(mainText(i))).join('; ');
    } else shown = escapeHtml(t(`choice.${kind}.${value}`));
    return shown ? `<div><dt>${escapeHtml(t(`form.${item.type}.${name}`))}</dt><dd>${shown}</dd></div>` : '';
  };

  const readings = (goal) =>
    byType('reading')
      .filter((r) => r.f.goal?.v === goal.id)
      .map((r) => {
        const v = valuesOf(r);
        const parts = [`<strong>${escapeHtml(v.value)}</strong> / 10`, words(v.party) ? user(v.party) : '', escapeHtml(formatDateTime(r.created.at))].filter(Boolean);
        const why = words(v.why) ? `<br>${escapeHtml(t('form.reading.why'))} ${user(v.why)}` : '';
        const higher = words(v.higher) ? `<br>${escapeHtml(t('form.reading.higher'))} ${user(v.higher)}` : '';
        return `<li>${parts.join(' · ')}${why}${higher}</li>`;
      });

  const provenance = (item, v) => {
    const parts = [];
    if (words(v.said_by)) parts.push(`${escapeHtml(t('prov.said_by_short'))} ${user(v.said_by)}`);
    if (v.voice) parts.push(escapeHtml(t(`choice.voice.${v.voice}`)));
    const typist = typists.get(item.created?.dev);
    if (typist && words(typist.name)) parts.push(`${escapeHtml(t('prov.typed_by'))} ${user(words(typist.label) ? `${typist.name} (${typist.label})` : typist.name)}`);
    parts.push(escapeHtml(formatDateTime(item.created.at)));
    return `<p class="who">${parts.join(' · ')}</p>`;
  };

  const agreement = (v) => {
    if (v.agree !== 'yes' && v.agree !== 'no') return '';
    const note = v.agree === 'no' && words(v.agree_note) ? ` — ${user(v.agree_note)}` : '';
    return `<p class="agreed">${escapeHtml(t(`choice.agree.${v.agree}`))}${note}</p>`;
  };

  const card = (item) => {
    const v = valuesOf(item);
    const dl = (FIELDS[item.type] || []).map((field) => detail(item, field, v)).join('');
    const scale = item.type === 'goal' ? readings(item) : [];
    const scaleHtml = scale.length ? `<p>${escapeHtml(t('export.readings'))}</p><ul>${scale.join('')}</ul>` : '';
    return `<article data-type="${escapeHtml(item.type)}">${user(mainText(item), 'p', 'text')}${dl ? `<dl>${dl}</dl>` : ''}${scaleHtml}${provenance(item, v)}${agreement(v)}</article>`;
  };

  const sections = SECTIONS.filter((section) => section.types.length)
    .map((section) => {
      const list = section.types.flatMap((type) => byType(type));
      const body = list.length ? list.map(card).join('\n') : `<p>${escapeHtml(t('section.empty'))}</p>`;
      return `<section data-section="${section.id}"><h2>${escapeHtml(t(`section.${section.id}`))}</h2>\n${body}</section>`;
    })
    .join('\n');

  const headingParts = [words(plan.person) ? user(plan.person) : '', words(plan.title) ? user(plan.title) : ''].filter(Boolean);
  const facts = [
    plan.status ? `<div><dt>${escapeHtml(t('export.status'))}</dt><dd>${escapeHtml(t(`choice.status_plan.${plan.status}`))}</dd></div>` : '',
    words(plan.review) ? `<div><dt>${escapeHtml(t('export.review'))}</dt><dd>${escapeHtml(formatDay(plan.review))}</dd></div>` : '',
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
</main>
</body>
</html>
`;
}
