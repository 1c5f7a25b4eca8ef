// How the app speaks to the person: a setting of their own device, in words they choose ("How should the
// app speak to you?"). Languages that mark the addressee's grammatical gender (Arabic) hold a string's
// feminine and masculine forms as `key.f` and `key.m`; with a form chosen, a lookup takes that variant when
// the catalog has one, and the plain key otherwise (the plain key is what "no preference" reads).

/** The forms a person can choose ('' is "no preference"). */
export const ADDRESS_FORMS = ['', 'f', 'm'];

/** The text of `key` in `catalog` for address form `form` ('f', 'm' or ''), or undefined. */
export function addressedText(catalog, key, form) {
  if (form && ADDRESS_FORMS.includes(form)) {
    const variant = catalog[`${key}.${form}`];
    if (variant !== undefined) return variant;
  }
  return catalog[key];
}
