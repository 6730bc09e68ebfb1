/**
 * How the page objects match a text of the locale tables: as a person reads it. Builds of
 * Facebook differ in case ("Add Photos"), in "..." against "…", in curly against straight
 * apostrophes, in dashes, spacing and trailing punctuation; none of that changes what a person
 * reads. Any other letter does: "Post" never matches "Posts" or "Post anonymously".
 */

const TRAILING_MARKS = String.raw`[\s.…:!?]*`;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function pattern(text: string): string {
  const core = text.trim().replace(/[\s.…:!?]+$/u, '');
  return escapeRegExp(core)
    .replace(/\s+/g, String.raw`\s+`)
    .replace(/['’]/g, "['’]")
    .replace(/[-‐–—]/g, '[-‐–—]')
    .replace(/\//g, String.raw`\s*/\s*`);
}

/** Exactly this text, read as a person reads it (see above). */
export function sameText(text: string): RegExp {
  return new RegExp(String.raw`^\s*${pattern(text)}${TRAILING_MARKS}$`, 'iu');
}

/**
 * This text, possibly followed by more words: for prompts that builds word differently
 * ("Write something..." / "Write something to the group…"). Never for a button that acts.
 */
export function textStartingWith(text: string): RegExp {
  return new RegExp(String.raw`^\s*${pattern(text)}(?![\p{L}\p{N}])`, 'iu');
}
