// UI strings from the catalogs; the document's lang and dir follow the chosen UI language. The language
// and the app's name are signals: a screen that shows a string re-renders when either is changed.

import { signal } from '@preact/signals-core';
import { aboutForm, aboutText, addressedText, planPersonName } from './address.js';
import { catalogDate, hasLocaleData, pluralCategory } from './calendar.js';
import en from './en.json';

export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'cy', name: 'Cymraeg', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
];
// English is in the entry script (every string falls back to it); each other catalog is a chunk of its own,
// fetched when its language is chosen (the HTML shell preloads the one the browser asks for, and the service
// worker keeps them all for offline use): most people never download the others.
const CATALOGS = { en };
const LOADERS = { cy: () => import('./cy.json'), ar: () => import('./ar.json') };
const STORAGE = 'alongside-lang';
const offered = (code) => LANGUAGES.some((l) => l.code === code);

function initial() {
  const saved = localStorage.getItem(STORAGE);
  if (saved && offered(saved)) return saved;
  const fromPage = document.documentElement.lang;
  return offered(fromPage) ? fromPage : 'en';
}

/** The catalog of `code`, fetched if it is not here yet; false when it cannot be (offline, never cached). */
async function loadCatalog(code) {
  if (CATALOGS[code]) return true;
  try {
    CATALOGS[code] = (await LOADERS[code]()).default;
    return true;
  } catch {
    return false;
  }
}

const language = signal(initial());

export const currentLanguage = () => language.value;
const LOCALES = { en: 'en-GB', cy: 'cy-GB', ar: 'ar' };
const locale = () => LOCALES[language.value];
/** Whether the browser has date data for the UI language (Chromium has none for Welsh): else the catalog's words. */
const datesByIntl = () => hasLocaleData(locale());
export const direction = () => LANGUAGES.find((l) => l.code === language.value).dir;

const NEUTRAL = 'alongside-neutral-name';

/** The name the app shows (header, page title): "Alongside", or a neutral one the person chose. */
const neutralName = signal(localStorage.getItem(NEUTRAL) === '1');
export const appName = () => t(neutralName.value ? 'app.neutral_name' : 'app.name');
export const usesNeutralName = () => neutralName.value;

export function setNeutralName(on) {
  if (on) localStorage.setItem(NEUTRAL, '1');
  else localStorage.removeItem(NEUTRAL);
  neutralName.value = !!on;
  document.title = appName();
  applyAppIcon();
}

/** With the neutral name, the neutral icon and manifest too: each <link data-neutral> swaps its href. */
export function applyAppIcon() {
  const neutral = usesNeutralName();
  for (const link of document.querySelectorAll('link[data-neutral]')) {
    if (!link.dataset.brand) link.dataset.brand = link.getAttribute('href');
    const href = neutral && link.dataset.neutral ? link.dataset.neutral : link.dataset.brand;
    if (link.getAttribute('href') !== href) link.setAttribute('href', href);
  }
}

export function applyLanguage() {
  document.documentElement.lang = language.value;
  document.documentElement.dir = direction();
  document.title = appName();
  applyAppIcon();
}

/** Before the first screen: the chosen language's catalog (English while it cannot be fetched). */
export async function loadLanguage() {
  if (!(await loadCatalog(language.value))) language.value = 'en';
  applyLanguage();
}

/** Switch the UI to `code` once its catalog is here; false (nothing changed) when it cannot be fetched. */
export async function setLanguage(code) {
  if (!offered(code) || !(await loadCatalog(code))) return false;
  localStorage.setItem(STORAGE, code);
  language.value = code;
  applyLanguage();
  return true;
}

const ADDRESS = 'alongside-address-form';

/**
 * How the app speaks to this device's user ('f', 'm', or '' for no preference): a setting of this device
 * (localStorage, like the language), never part of a plan. `t` takes a string's `.f`/`.m` form by it.
 */
const address = signal(localStorage.getItem(ADDRESS) || '');
export const addressForm = () => address.value;

export function setAddressForm(form) {
  if (form) localStorage.setItem(ADDRESS, form);
  else localStorage.removeItem(ADDRESS);
  address.value = form || '';
}

/** The UI language's catalog (English until it is fetched). */
const catalog = () => CATALOGS[language.value] ?? en;

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] === undefined ? `{${name}}` : String(params[name])));
}

/**
 * The string `key` in the UI language (English if missing), in the form that speaks to this device's user
 * as they chose (`key.f` / `key.m` where the catalog has one), with {name} placeholders filled.
 */
export function t(key, params = {}) {
  const text = addressedText(catalog(), key, address.value) ?? en[key] ?? key;
  return fill(text, params);
}

/**
 * The string `key` in words ABOUT the person of `plan` (third person), in the form the person chose for
 * words about them (the plan header's `address`; on their own device, the reader is the person: their
 * device's choice first): `key.she` / `key.he` where the catalog has one, else the plain key.
 */
export function tAbout(plan, key, params = {}) {
  const form = aboutForm(plan?.header, plan?.me?.role, address.value);
  const text = aboutText(catalog(), key, form) ?? en[key] ?? key;
  return fill(text, params);
}

/**
 * The string `key` about someone named `name` (who said it, who agrees): in the form the person chose when
 * `name` is the person of `plan` (`tAbout`), else the plain key (no one else's form is known).
 */
export function tNamed(plan, name, key, params = {}) {
  const person = planPersonName(plan?.header);
  return person && (name || '').trim() === person ? tAbout(plan, key, params) : t(key, params);
}

/** A counted string: `key.one`, `key.other` (and Arabic's zero, two, few, many) by the language's plural rules. */
export function tn(key, count, params = {}) {
  const rule = pluralCategory(language.value, locale(), count);
  const words = catalog();
  const form = address.value;
  const text =
    addressedText(words, `${key}.${rule}`, form) ?? addressedText(words, `${key}.other`, form) ?? en[`${key}.${rule}`] ?? en[`${key}.other`] ?? key;
  return fill(text, { n: new Intl.NumberFormat(locale()).format(count), ...params });
}

/** A number in the UI language's digits. */
export const formatNumber = (value) => new Intl.NumberFormat(locale()).format(value);

export function formatTime(ms) {
  if (!datesByIntl()) return catalogDate('time', new Date(ms), t);
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

export function formatDateTime(ms) {
  if (!datesByIntl()) return catalogDate('datetime', new Date(ms), t);
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

/** A date typed as YYYY-MM-DD, shown in the UI language. */
export function formatDay(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return iso;
  if (!datesByIntl()) return catalogDate('day', new Date(y, m - 1, d), t);
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(y, m - 1, d));
}

/** A date typed as YYYY-MM-DD, short (a chart's axis): "3 Mar", or "3 Mar 2026" with `year`. */
export function formatShortDay(iso, year = false) {
  const [y, m, d] = (iso || '').split('-').map(Number);
  if (!y || !m || !d) return iso || '';
  if (!datesByIntl()) return catalogDate(year ? 'day' : 'day_month', new Date(y, m - 1, d), t);
  const options = { day: 'numeric', month: 'short', ...(year && { year: 'numeric' }) };
  return new Intl.DateTimeFormat(locale(), options).format(new Date(y, m - 1, d));
}
