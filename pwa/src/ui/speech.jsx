// Read aloud with the browser's speech synthesis. What is read is what is on screen, in reading order:
// every element marked `data-speak` inside the chosen part of the page, one utterance each, in the
// language it is written in: the UI language for the app's own words, and for people's words the language
// the page marks them with (`lang`, from data/wordslanguage.js). An element that holds words in more than
// one language is read as one utterance per language, in order. A new reading replaces any other; "Stop
// reading" cancels it.

import { currentLanguage, t } from '../i18n/index.js';
import { Button } from './common.jsx';

const VOICE_LANGUAGE = { en: 'en-GB', cy: 'cy-GB', ar: 'ar' };

export const canSpeak = () => typeof window.speechSynthesis !== 'undefined' && typeof window.SpeechSynthesisUtterance !== 'undefined';

/** The language tag given to an utterance in language `code` (by default the chosen UI language). */
export const speechLanguage = (code = currentLanguage()) => VOICE_LANGUAGE[code] || code;

const clean = (text) => text.replace(/\s+/g, ' ').trim();
const shown = (el) => el.getClientRects().length > 0;
/** The language an element is in: its own `lang` or its nearest ancestor's (the page's is the UI language). */
const languageOf = (el) => el.closest('[lang]')?.getAttribute('lang') || currentLanguage();

/** The words of `el` as [{text, lang}], split where the language changes (consecutive parts in one language joined). */
function partsOf(el) {
  const own = languageOf(el);
  const other = [...el.querySelectorAll('[lang]')].some((inner) => inner.getAttribute('lang') !== own && clean(inner.textContent));
  if (!other) return [{ text: clean(el.innerText), lang: own }];
  const parts = [];
  const add = (text, lang) => {
    const last = parts[parts.length - 1];
    if (last && last.lang === lang) last.text += text;
    else parts.push({ text, lang });
  };
  const walk = (node, lang) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) add(child.textContent, lang);
      else if (child.nodeType === Node.ELEMENT_NODE && shown(child)) {
        const inline = getComputedStyle(child).display === 'inline';
        if (!inline) add(' ', lang);
        walk(child, child.getAttribute('lang') || lang);
        if (!inline) add(' ', lang);
      }
    }
  };
  walk(el, own);
  // Punctuation alone between two parts is not read; the parts either side of it, in one language, are one.
  const spoken = [];
  for (const part of parts.map(({ text, lang }) => ({ text: clean(text), lang })).filter(({ text }) => /[\p{L}\p{N}]/u.test(text))) {
    const last = spoken[spoken.length - 1];
    if (last && last.lang === part.lang) last.text = `${last.text} ${part.text}`;
    else spoken.push(part);
  }
  return spoken;
}

/** What to read inside `root`, in document order, leaving out what is not shown: [{text, lang}]. */
export function textsToRead(root) {
  if (!root) return [];
  return [...root.querySelectorAll('[data-speak]')]
    .filter(shown)
    .flatMap(partsOf)
    .filter((part) => part.text);
}

/** Stop any reading at once. */
export function stopReading() {
  if (canSpeak()) speechSynthesis.cancel();
}

/** Read `texts` aloud in order (after stopping any other reading): each a string, or {text, lang}. */
export function readTexts(texts) {
  if (!canSpeak() || !texts.length) return;
  speechSynthesis.cancel();
  for (const part of texts) {
    const { text, lang } = typeof part === 'string' ? { text: part } : part;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = speechLanguage(lang);
    speechSynthesis.speak(utterance);
  }
}

/** "Read aloud" for the element with id `target`, read when pressed, so it is exactly what is on screen then. */
export function ReadAloud({ target, label }) {
  if (!canSpeak()) return null;
  return (
    <span class="read-aloud" data-read-aloud={target}>
      <Button kind="secondary small" onClick={() => readTexts(textsToRead(document.getElementById(target)))}>
        <SpeakerIcon />
        {label || t('speech.read')}
      </Button>
    </span>
  );
}

/** "Stop reading": always beside the main "Read aloud" (no waiting for it to appear). */
export function StopReading() {
  if (!canSpeak()) return null;
  return (
    <Button kind="secondary small" onClick={stopReading}>
      {t('speech.stop')}
    </Button>
  );
}

/** A plain note where the browser cannot read aloud (the buttons are then left out). */
export function NoSpeechNote() {
  if (canSpeak()) return null;
  return (
    <p class="muted no-speech" data-no-speech>
      {t('speech.unavailable')}
    </p>
  );
}

function SpeakerIcon() {
  return (
    <svg class="button-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M3 9h4l5-4v14l-5-4H3z" fill="currentColor" />
      <path d="M15 8a5 5 0 010 8M17.5 5.5a8.5 8.5 0 010 13" stroke="currentColor" stroke-width="2" fill="none" />
    </svg>
  );
}
