// Safety by default (docs/security.md): the rule for a new PIN or passphrase, and the mark a quick exit
// leaves so that the app, opened again (Back, a reload, the home-screen icon), shows nothing of any plan
// until the user chooses to open it.

/** A new PIN or passphrase has at least this many characters (a PIN: digits). Locks set before keep opening. */
export const MIN_NEW_PIN = 6;

/**
 * What is wrong with `pin` as a new PIN or passphrase, as a catalog key (`lock.pin_too_short` for a PIN of
 * fewer than 6 digits, `lock.too_short` for a shorter passphrase), or null when it will do.
 */
export function newPinProblem(pin) {
  if ([...pin].length >= MIN_NEW_PIN) return null;
  return /^[0-9]*$/.test(pin) ? 'lock.pin_too_short' : 'lock.too_short';
}

const EXITED = 'alongside-exited';

/** Remember on this device that the user left with the quick exit (kept until they open the app again). */
export const markExited = () => localStorage.setItem(EXITED, '1');

/** Whether the last thing done here was a quick exit. */
export const hasExited = () => localStorage.getItem(EXITED) === '1';

/** The user chose to open the app again. */
export const clearExited = () => localStorage.removeItem(EXITED);
