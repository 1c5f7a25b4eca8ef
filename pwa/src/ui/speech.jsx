// Read aloud with the browser's speech synthesis. What is read is what is on screen, in reading order:
// every element marked `data-speak` inside the chosen part of the page, one utterance each, in the
// UI language. A new reading replaces any other; "Stop reading" cancels it.

import { currentLanguage, t } from '../i18n/index.js';
import { Button } from './common.jsx';

const VOICE_LANGUAGE = { en: 'en-GB', cy: 'cy-GB', ar: 'ar' };

export const canSpeak = () => typeof window.speechSynthesis !== 'undefined' && typeof window.SpeechSynthesisUtterance !== 'undefined';

/** The language tag given to each utterance: the chosen UI language. */
export const speechLanguage = () => VOICE_LANGUAGE[currentLanguage()] || currentLanguage();

/** The texts to read inside `root`, in document order, leaving out what is not shown. */
export function textsToRead(root) {
  if (!root) return [];
  return [...root.querySelectorAll('[data-speak]')]
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => el.innerText.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/** Stop any reading at once. */
export function stopReading() {
  if (canSpeak()) speechSynthesis.cancel();
}

/** Read `texts` aloud in order (after stopping any other reading). */
export function readTexts(texts) {
  if (!canSpeak() || !texts.length) return;
  speechSynthesis.cancel();
  const lang = speechLanguage();
  for (const text of texts) {
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = lang;
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
