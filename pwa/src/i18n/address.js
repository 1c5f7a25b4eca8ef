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

// Words ABOUT the person (third person: "her own words", "the person whose plan this is") follow the form
// the person chose for the plan: the header's `address` field ('f', 'm', '' for no preference), end-to-end
// encrypted like every field of the plan, set on the plan's details screen (ui/details.jsx) by the person,
// or by the worker at the table with the person's say-so. Catalogs hold those forms as `key.she` /
// `key.he`, apart from `key.f` / `key.m` (which speak to the reader): a worker who chose to be spoken to as
// a woman still reads "his own words" about a man.

/** The plain words the person chooses from for words about them (catalog keys), by form. */
export const ABOUT_LABELS = { '': 'address.about.choice_none', f: 'address.about.choice_she', m: 'address.about.choice_he' };

/** The suffix of a third-person variant for each form. */
const ABOUT_SUFFIX = { f: 'she', m: 'he' };

/** The text of `key` about a person of form `form` ('f', 'm' or ''): `key.she` / `key.he` where the catalog has one. */
export function aboutText(catalog, key, form) {
  const suffix = ABOUT_SUFFIX[form];
  const variant = suffix ? catalog[`${key}.${suffix}`] : undefined;
  return variant !== undefined ? variant : catalog[key];
}

/** The person's name in a plan's header (a stored item, or plain values), trimmed ('' when none). */
export function planPersonName(header) {
  const value = header?.f ? header.f.person?.v : header?.person;
  return typeof value === 'string' ? value.trim() : '';
}

/** The form a plan's header (a stored item, or plain values) says the person chose for words about them. */
export function planAddressForm(header) {
  const value = header?.f ? header.f.address?.v : header?.address;
  return ADDRESS_FORMS.includes(value) ? value : '';
}

/**
 * The form for words about the person of a plan on this device: on the person's own device (`role`
 * 'owner') the reader IS the person, so the form they chose for this device comes first; elsewhere, and
 * when they chose none here, the form the plan carries.
 */
export function aboutForm(header, role, deviceForm) {
  if (role === 'owner' && deviceForm) return deviceForm;
  return planAddressForm(header);
}
