/**
 * The text search configuration of the search columns and queries (migration 009): 'simple'
 * (no stemming, no stop words, like SQLite's unicode61 tokenizer), folding accents through the
 * unaccent extension where the server has it.
 */
export const SEARCH_CONFIG = "gateway_search";

/**
 * Turns free text into a safe `to_tsquery(SEARCH_CONFIG, …)` text: every word becomes a prefix term,
 * so operators and quotes typed by a user cannot break the syntax (only letters, digits and `_`
 * reach it). `all` needs every word; `any` needs one of them (ranking puts those with more first).
 */
export function toTsQuery(text: string, words: "all" | "any" = "all"): string {
  const found = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return found
    .slice(0, 16)
    .map((word) => `${word}:*`)
    .join(words === "all" ? " & " : " | ");
}
