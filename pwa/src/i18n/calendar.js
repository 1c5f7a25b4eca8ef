// Dates, times and plural forms for a language the browser's `Intl` has no data for. Chromium ships without
// Welsh: `Intl.DateTimeFormat('cy')` quietly falls back to US English ("Dec 1, 2026, 09:07 PM") and
// `Intl.PluralRules('cy')` to English rules. For such a language the app writes dates in words from its own
// catalog (`fix.month.1`…`fix.month.12`; the patterns `fix.date.day`, `fix.date.day_month`,
// `fix.date.datetime`, `fix.date.time`, a 24-hour clock) and picks plural forms by the rules below.

const known = new Map();

/** Whether this browser's `Intl` has date data for `locale` (not just a fallback to another language); asked once. */
export function hasLocaleData(locale) {
  if (!known.has(locale)) {
    let has = false;
    try {
      has = Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
    } catch {
      has = false;
    }
    known.set(locale, has);
  }
  return known.get(locale);
}

const twoDigits = (n) => String(n).padStart(2, '0');

/**
 * `date` (a Date) in words from the catalog: `kind` 'day' ("1 Rhagfyr 2026"), 'day_month' ("1 Rhagfyr"),
 * 'datetime' ("1 Rhagfyr 2026, 21:07") or 'time' ("21:07"); `text(key, params)` reads the catalog of the UI language.
 */
export function catalogDate(kind, date, text) {
  const time = text('fix.date.time', { hour: twoDigits(date.getHours()), minute: twoDigits(date.getMinutes()) });
  if (kind === 'time') return time;
  const params = { day: date.getDate(), month: text(`fix.month.${date.getMonth() + 1}`), year: date.getFullYear(), time };
  return text({ day: 'fix.date.day', day_month: 'fix.date.day_month' }[kind] || 'fix.date.datetime', params);
}

/** Plural rules (CLDR) of the languages the app speaks that a browser may lack, for whole numbers. */
const PLURALS = {
  cy: (n) => ({ 0: 'zero', 1: 'one', 2: 'two', 3: 'few', 6: 'many' })[n] || 'other',
};

/** The plural category of `count` in `code` (locale `locale`): by `Intl` when it knows the language, else by PLURALS. */
export function pluralCategory(code, locale, count) {
  const own = PLURALS[code];
  if (own && Number.isInteger(count) && !hasPluralData(locale)) return own(count);
  return new Intl.PluralRules(locale).select(count);
}

function hasPluralData(locale) {
  try {
    return Intl.PluralRules.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}
