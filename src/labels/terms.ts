/**
 * The reviewed term lists: whole words or phrases, case-insensitive, where spaces and hyphens
 * are interchangeable ('post-traumatic' = 'post traumatic'). Whole words keep 'hiv' out of
 * 'archived'; a phrase list rather than single words keeps 'depression' out of 'ST depression'.
 * Negation ('no HIV') is not understood: such text is labelled, the safe side for privacy.
 */
export interface CompiledTerms {
  /** The categories whose terms occur in the text (ids sorted), memoised per distinct text. */
  categoriesIn(text: string): readonly string[];
}

const MEMO_LIMIT = 10_000;
const NONE: readonly string[] = Object.freeze([]);

export function compileTerms(termsOf: ReadonlyMap<string, readonly string[]>): CompiledTerms {
  const perCategory: [string, RegExp][] = [];
  const all: string[] = [];
  for (const [id, words] of termsOf) {
    if (words.length === 0) continue;
    const pattern = words.map(wordPattern).join('|');
    perCategory.push([id, new RegExp(`\\b(?:${pattern})\\b`, 'i')]);
    all.push(pattern);
  }
  perCategory.sort(([a], [b]) => a.localeCompare(b));
  // One pass over the text rejects the usual case (no term at all) before any per-category test.
  const any = all.length > 0 ? new RegExp(`\\b(?:${all.join('|')})\\b`, 'i') : undefined;
  // Feeds repeat the same displays (every vital sign, every office visit): remember the answer.
  let memo = new Map<string, readonly string[]>();
  return {
    categoriesIn(text: string): readonly string[] {
      if (!any) return NONE;
      const known = memo.get(text);
      if (known) return known;
      let found = NONE;
      if (any.test(text)) found = perCategory.filter(([, re]) => re.test(text)).map(([id]) => id);
      if (memo.size >= MEMO_LIMIT) memo = new Map();
      memo.set(text, found);
      return found;
    },
  };
}

function wordPattern(word: string): string {
  return word
    .trim()
    .split(/[\s-]+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('[\\s-]+');
}
