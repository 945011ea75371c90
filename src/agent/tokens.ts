/**
 * An approximate count of the tokens a text costs a Claude model, for budgets and the bench; never for
 * billing, and not the model's tokenizer, so leave a margin.
 *
 * English prose runs at about four characters per token, but JSON and identifiers split finer: braces,
 * quotes, colons and underscores tend to be tokens of their own. So the estimate is the larger of
 * characters/4 and (words × 1.1 + punctuation marks × 0.5), rounded up; the second term keeps
 * schema-heavy text from being underestimated. Empty text is 0.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  const byChars = Math.ceil(text.length / 4);
  const words = text.match(/[A-Za-z0-9]+/g)?.length ?? 0;
  const marks = text.match(/[^\sA-Za-z0-9]/g)?.length ?? 0;
  return Math.max(byChars, Math.ceil(words * 1.1 + marks * 0.5));
}
