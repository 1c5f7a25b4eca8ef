// Small symbols drawn beside easy-read text (our own, simple shapes). They are decoration: the words
// beside them carry the meaning, so screen readers skip them (aria-hidden) and they are never the only cue.

const SHAPES = {
  // A star: something the person is good at.
  strengths: <path d="M24 4l6 13 14 1.5-10.5 9.5 3 14L24 35l-12.5 7 3-14L4 18.5 18 17z" />,
  // A thumb up: what is working.
  working: (
    <>
      <path d="M8 22h8v20H8z" />
      <path d="M18 22l8-16c4 0 6 3 5 7l-2 7h11c3 0 5 3 4 6l-4 13c-1 2-2 3-5 3H18z" />
    </>
  ),
  // A thumb down: what is not working.
  not_working: (
    <>
      <path d="M8 6h8v20H8z" />
      <path d="M18 26l8 16c4 0 6-3 5-7l-2-7h11c3 0 5-3 4-6L40 9c-1-2-2-3-5-3H18z" />
    </>
  ),
  // A cloud: a worry.
  worries: <path d="M14 38a9 9 0 01-1-18 12 12 0 0123-3 9 9 0 012 18z" />,
  // A flag: a goal.
  goals: (
    <>
      <path d="M10 4h4v40h-4z" />
      <path d="M14 6h26l-6 9 6 9H14z" />
    </>
  ),
  // Footsteps: a next step.
  steps: (
    <>
      <ellipse cx="16" cy="30" rx="6" ry="9" />
      <ellipse cx="32" cy="16" rx="6" ry="9" />
      <circle cx="16" cy="43" r="3" />
      <circle cx="32" cy="29" r="3" />
    </>
  ),
  // A signpost: "if this happens, then …".
  contingency: (
    <>
      <path d="M22 4h4v40h-4z" />
      <path d="M8 8h28l6 6-6 6H8z" />
      <path d="M40 22H12l-6 6 6 6h28z" />
    </>
  ),
  // Two people: my people.
  people: (
    <>
      <circle cx="17" cy="14" r="7" />
      <circle cx="33" cy="17" r="6" />
      <path d="M4 42c0-10 6-17 13-17s13 7 13 17z" />
      <path d="M27 42c0-6-1-10-4-13 3-3 6-4 10-4 6 0 11 7 11 17z" />
    </>
  ),
  // A house and a tree: something the person does in their community.
  community: (
    <>
      <path d="M4 24L16 12l12 12v20H4z" />
      <circle cx="36" cy="18" r="9" />
      <path d="M34 26h4v18h-4z" />
    </>
  ),
  // A sun: good news.
  news: (
    <>
      <circle cx="24" cy="24" r="9" />
      <path d="M22 2h4v8h-4zM22 38h4v8h-4zM2 22h8v4H2zM38 22h8v4h-8zM8 11l3-3 6 6-3 3zM31 34l3-3 6 6-3 3zM37 8l3 3-6 6-3-3zM14 31l3 3-6 6-3-3z" />
    </>
  ),
  // A tick in a circle: agreed.
  agreed: <path d="M24 2a22 22 0 100 44 22 22 0 000-44zm-3 32L10 23l3-3 8 8 14-15 3 3z" />,
};

/** The symbol for `name` (a part of "My plan", a kind's own symbol in data/kinds.js, or "agreed"), or nothing. */
export function Pictogram({ name }) {
  const shape = SHAPES[name];
  if (!shape) return null;
  return (
    <svg class={`symbol symbol-${name}`} viewBox="0 0 48 48" aria-hidden="true" focusable="false" data-symbol={name}>
      {shape}
    </svg>
  );
}
