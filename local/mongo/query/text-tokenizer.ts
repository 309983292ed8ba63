/**
 * The text tokenizer of text index version 3 (the server's UnicodeFTSTokenizer): words are split
 * at Unicode delimiters (white space, dashes, hyphens, quotation marks, punctuation, pattern
 * syntax; English keeps the apostrophe inside words), lower-cased, checked against the stop
 * words, stemmed, then stripped of diacritics, each step skippable as `$text` options ask.
 */
import type { TextLanguage } from "./text-language.ts";

// The Unicode properties the server's delimiter table is generated from; "Hyphen" is not a
// property JavaScript knows, so its few code points outside "Dash" are listed.
const DELIMITER_CLASS = "\\p{White_Space}\\p{Dash}\\p{Quotation_Mark}\\p{Terminal_Punctuation}\\p{Pattern_Syntax}\\p{Sentence_Terminal}\\u00AD\\u058A\\u1806\\u2010\\u2011\\u2E17\\u30FB\\uFE63\\uFF0D\\uFF65";
const DELIMITERS = new RegExp(`[${DELIMITER_CLASS}]+`, "u");
const ENGLISH_DELIMITERS = new RegExp(`(?:(?!')[${DELIMITER_CLASS}])+`, "u");

export interface TokenizeOptions {
  filterStopWords?: boolean;
  caseSensitive?: boolean;
  diacriticSensitive?: boolean;
}

export const stripDiacritics = (text: string): string =>
  // Plain ASCII has no diacritics to strip; most text is, so it skips the normalization.
  /^[\x00-\x7f]*$/.test(text) ? text : text.normalize("NFD").replace(/\p{Diacritic}/gu, "").normalize("NFC");

export const lowerCase = (text: string, language: TextLanguage): string =>
  language.name === "turkish" ? text.toLocaleLowerCase("tr") : text.toLowerCase();

/** The words of `text` split at delimiters, before any other step. */
export const words = (text: string, language: TextLanguage): string[] =>
  text.split(language.name === "english" ? ENGLISH_DELIMITERS : DELIMITERS).filter((word) => word.length > 0);

/** The terms a text yields: lower-cased (unless case-sensitive), stop words out, stemmed, diacritics stripped. */
export function tokenize(text: string, language: TextLanguage, options: TokenizeOptions = {}): string[] {
  const terms: string[] = [];
  for (const word of words(text, language)) {
    const lower = lowerCase(word, language);
    if (options.filterStopWords && language.isStopWord(lower)) continue;
    // The stemmer is diacritic-sensitive, so the word is stemmed before diacritics go.
    const stem = language.stem(options.caseSensitive ? word : lower);
    terms.push(options.diacriticSensitive ? stem : stripDiacritics(stem));
  }
  return terms;
}

/** A phrase matches as a substring, compared as the `$text` options say (the server's phrase matcher). */
export function phraseMatches(phrase: string, text: string, language: TextLanguage, options: TokenizeOptions): boolean {
  const fold = (s: string) => {
    const cased = options.caseSensitive ? s : lowerCase(s, language);
    return options.diacriticSensitive ? cased : stripDiacritics(cased);
  };
  return fold(text).includes(fold(phrase));
}
