// Shared pieces: page frame, form fields with labels, buttons. User text always gets dir="auto".

import { useLayoutEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/index.js';

let fieldCounter = 0;
const useId = (prefix) => {
  const ref = useRef(null);
  if (ref.current === null) {
    fieldCounter += 1;
    ref.current = `${prefix}-${fieldCounter}`;
  }
  return ref.current;
};

/** A screen: its heading takes focus when the screen opens (keyboard and screen reader users start there). */
export function Screen({ title, back, children, wide }) {
  const heading = useRef(null);
  useLayoutEffect(() => {
    heading.current?.focus({ preventScroll: false });
  }, [title]);
  return (
    <main id="main" class={wide ? 'screen wide' : 'screen'}>
      {back && (
        <p class="back">
          <a href={`#/${back.path}`}>{back.label}</a>
        </p>
      )}
      <h1 tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {children}
    </main>
  );
}

export function Field({ label, hint, error, children, id }) {
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error-text" id={`${id}-error`}>
          {error}
        </p>
      )}
      {children}
    </div>
  );
}

const describedBy = (id, hint, error) => [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;

/** A one-line text field; `attributes` (such as inputmode, autocapitalize, spellcheck, class) go on the input. */
export function TextInput({ label, hint, error, value, onInput, type = 'text', name, autocomplete, list, required, big, ...attributes }) {
  const id = useId(name || 'text');
  return (
    <Field label={label} hint={hint} error={error} id={id}>
      <input
        {...attributes}
        id={id}
        name={name}
        type={type}
        dir={type === 'text' ? 'auto' : undefined}
        class={big ? 'big' : attributes.class}
        value={value ?? ''}
        list={list}
        required={required}
        autocomplete={autocomplete || 'off'}
        aria-describedby={describedBy(id, hint, error)}
        aria-invalid={error ? 'true' : undefined}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </Field>
  );
}

export function TextArea({ label, hint, error, value, onInput, name, rows = 3 }) {
  const id = useId(name || 'area');
  return (
    <Field label={label} hint={hint} error={error} id={id}>
      <textarea
        id={id}
        name={name}
        dir="auto"
        rows={rows}
        value={value ?? ''}
        aria-describedby={describedBy(id, hint, error)}
        aria-invalid={error ? 'true' : undefined}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </Field>
  );
}

export function Select({ label, hint, value, onChange, options, name }) {
  const id = useId(name || 'select');
  return (
    <Field label={label} hint={hint} id={id}>
      <select id={id} name={name} value={value ?? ''} aria-describedby={describedBy(id, hint)} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** Radio buttons in a fieldset with a legend; `inline` lays them out in a row (e.g. a 0-10 scale). */
export function Radios({ legend, hint, value, onChange, options, name, inline }) {
  const id = useId(name || 'radios');
  return (
    <fieldset class={inline ? 'radios inline' : 'radios'} aria-describedby={hint ? `${id}-hint` : undefined}>
      <legend>{legend}</legend>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {options.map((o) => (
        <label key={String(o.value)} class="choice">
          <input type="radio" name={id} value={String(o.value)} checked={value === o.value} onChange={() => onChange(o.value)} />
          <span dir={o.userText ? 'auto' : undefined}>{o.label}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function Checkboxes({ legend, values = [], onChange, options, name }) {
  const id = useId(name || 'checks');
  if (!options.length) return null;
  const toggle = (value, on) => onChange(on ? [...values, value] : values.filter((v) => v !== value));
  return (
    <fieldset class="radios">
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} class="choice">
          <input type="checkbox" name={id} checked={values.includes(o.value)} onChange={(e) => toggle(o.value, e.currentTarget.checked)} />
          <span dir="auto">{o.label}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function Checkbox({ label, checked, onChange, name }) {
  return (
    <div class="field">
      <label class="choice">
        <input type="checkbox" name={name} checked={!!checked} onChange={(e) => onChange(e.currentTarget.checked)} />
        <span>{label}</span>
      </label>
    </div>
  );
}

export function Button({ children, onClick, kind = 'primary', type = 'button', disabled, pressed, label }) {
  return (
    <button type={type} class={`button ${kind}`} onClick={onClick} disabled={disabled} aria-pressed={pressed} aria-label={label}>
      {children}
    </button>
  );
}

export function LinkButton({ href, children, kind = 'primary' }) {
  return (
    <a class={`button ${kind}`} href={href}>
      {children}
    </a>
  );
}

export function ErrorSummary({ message }) {
  if (!message) return null;
  return (
    <div class="error-summary" role="alert">
      <p>{message}</p>
    </div>
  );
}

/** User-typed text: its own direction, never the UI's (and its own language, `lang`, where known). */
export const U = ({ children, tag = 'bdi', class: cls, lang }) => {
  const Tag = tag;
  return (
    <Tag dir="auto" class={cls} lang={lang}>
      {children}
    </Tag>
  );
};

/** Words built by wording.js: the app's own as text, people's words and names each in their own direction. */
export function Pieces({ pieces }) {
  return (
    <>
      {pieces.map((piece, index) =>
        typeof piece === 'string' ? (
          piece
        ) : (
          <bdi key={index} dir="auto">
            {piece.user}
          </bdi>
        ),
      )}
    </>
  );
}

export const choiceOptions = (choices, prefix) => choices.map((value) => ({ value, label: t(`${prefix}.${value}`) }));
