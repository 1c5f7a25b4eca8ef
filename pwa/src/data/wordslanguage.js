// The language someone's words are in. Every item written in a form records the language the writer's app
// was in (`lang`); the words' own script is checked against it, since a worker whose app is in English may
// type what the person says in Arabic. The page marks people's words with this language (`lang`), so read
// aloud (ui/speech.jsx) gives each part its own voice and screen readers follow too.

import { fieldValue } from './kinds.js';

const ARABIC_SCRIPT = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;
const LATIN_SCRIPT = /[A-Za-z\u00C0-\u024F]/;
/** The app's languages written in Latin script (the first is taken when nothing else says which). */
const LATIN_LANGUAGES = ['en', 'cy'];

/**
 * The language of `text`: Arabic script is Arabic; Latin script is the `recorded` language when that is
 * written in Latin script, else the UI language `ui` when it is, else English; otherwise what was recorded.
 */
export function wordsLanguage(text, recorded, ui) {
  const words = String(text ?? '');
  if (ARABIC_SCRIPT.test(words)) return 'ar';
  if (LATIN_SCRIPT.test(words)) return [recorded, ui].find((code) => LATIN_LANGUAGES.includes(code)) || LATIN_LANGUAGES[0];
  return recorded || ui;
}

/** The language of field `name` of `item` (its recorded `lang`, checked against the words), for UI language `ui`. */
export const fieldLanguage = (item, name, ui) => wordsLanguage(fieldValue(item, name), fieldValue(item, 'lang'), ui);
