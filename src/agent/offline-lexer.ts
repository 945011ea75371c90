/**
 * The words of a typed command, as the offline grammar reads them: each token keeps what was typed (an
 * image tag is case-sensitive) next to its lower-case form. Nothing is dropped silently: a token the
 * grammar cannot place makes the command refused (see offline-grammar.ts).
 */

/** One word as typed and as matched. */
export interface Token {
  /** As typed, without sentence punctuation at its end. */
  raw: string;
  /** Lower case, for matching the grammar's words and the configured names. */
  low: string;
}

/** The OCI distribution spec's tag grammar: what a version must be, exactly. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Control, format (bidi overrides, zero-width) and other invisible characters; tab and newline aside. */
const INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** Phrases that carry no meaning for any command, dropped before the words are placed. */
const POLITE: readonly (readonly string[])[] = [
  ['can', 'you'],
  ['could', 'you'],
  ['would', 'you'],
  ['please'],
  ['kindly'],
  ['jarvis'],
  ['hey'],
];

/** "using blue-green", "with a blue/green deployment", "via b/g strategy": the only strategy there is. */
const STRATEGY = /^(?:using|with|via)$/;
const BLUE_GREEN = /^(?:blue[-/]?green|b\/g)$/;

/** The first invisible character in `text`, named for a refusal ("U+202E"); undefined when none. */
export function invisibleCharacter(text: string): string | undefined {
  const clean = text.replace(/[\t\n\r]/g, ' ');
  const m = INVISIBLE.exec(clean);
  if (!m) return undefined;
  return `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Slack mentions ("<@U0JARVIS>", "<@U0JARVIS>:") removed. */
export function withoutMentions(text: string): string {
  return text.replace(/<@[A-Z0-9]+>:?/g, ' ');
}

/**
 * The tokens of `text`: split on white space, sentence punctuation (`?`, `!`, `,`, a final `.`) cut from
 * the end of a word, polite words and the blue/green phrasing dropped. Any other punctuation stays in its
 * word, so that "1.9.9;" is not read as "1.9.9".
 */
export function tokenize(text: string): Token[] {
  const words = withoutMentions(text)
    .split(/\s+/)
    .map((w) => w.replace(/[?!,]+$/, '').replace(/\.+$/, (dots, at: number) => (at === 0 ? dots : '')))
    .filter((w) => w !== '');
  const tokens = words.map((raw) => ({ raw, low: raw.toLowerCase() }));
  return dropPhrases(tokens);
}

function dropPhrases(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const phrase = POLITE.find((p) => p.every((w, k) => tokens[i + k]?.low === w));
    if (phrase) {
      i += phrase.length - 1;
      continue;
    }
    const t = tokens[i]!;
    if (STRATEGY.test(t.low)) {
      // "using blue-green", "with a blue/green deployment", "via blue-green strategy".
      let j = i + 1;
      if (tokens[j]?.low === 'a') j++;
      if (tokens[j] && BLUE_GREEN.test(tokens[j]!.low)) {
        j++;
        if (tokens[j] && /^(?:strategy|deployment|deploy)$/.test(tokens[j]!.low)) j++;
        i = j - 1;
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

/**
 * The optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions, each substring
 * edited once): "staus" → "status" is 1, "deplyo" → "deploy" is 1.
 */
export function editDistance(a: string, b: string): number {
  // Three rolling rows (the one before last for transpositions): no matrix per call.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, before[j - 2]! + 1);
      }
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length]!;
}

/**
 * The word of `vocabulary` that `word` is a near miss of: the closest one within 1 edit (2 for words of
 * 6 letters or more); of equally close ones, the first in `vocabulary` (callers list the words that matter
 * most first). Undefined when `word` is itself in `vocabulary`, or none is that close.
 */
export function nearest(word: string, vocabulary: readonly string[]): string | undefined {
  if (word.length < 2 || !/^[a-z][a-z0-9-]*$/.test(word) || vocabulary.includes(word)) return undefined;
  const limit = word.length >= 6 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of vocabulary) {
    if (Math.abs(candidate.length - word.length) > limit) continue;
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
