/**
 * A `$text` query: its operator document checked as the server checks it, and its `$search`
 * string read as the server's FTSQueryImpl reads it. Words are terms (any of which may match);
 * a `"quoted phrase"` must appear as is; a `-` right after white space negates the next word or
 * phrase. Words of a positive phrase are terms too; words of a negated phrase are not.
 */
import { isPlainObject } from "../bson-values.ts";
import { CommandError, ErrorCodes, badValue } from "../errors.ts";
import { textLanguage, type TextLanguage } from "./text-language.ts";
import { tokenize } from "./text-tokenizer.ts";

export interface TextOperator {
  search: string;
  language?: string;
  caseSensitive: boolean;
  diacriticSensitive: boolean;
}

export interface TextQuery {
  language: TextLanguage;
  caseSensitive: boolean;
  diacriticSensitive: boolean;
  /** Terms in the text index's form (lower case, no diacritics): they find the candidates and score them. */
  termsForBounds: Set<string>;
  /** Terms as the options compare them (differ from the bounds only when case or diacritic sensitive). */
  positiveTerms: Set<string>;
  negatedTerms: Set<string>;
  positivePhrases: string[];
  negatedPhrases: string[];
}

const typeMismatch = (message: string) => new CommandError(ErrorCodes.TypeMismatch, message);

export function parseTextOperator(argument: unknown): TextOperator {
  if (!isPlainObject(argument)) throw badValue("$text expects an object");
  let expected = 1;
  if (typeof argument.$search !== "string") throw typeMismatch("$search requires a string value");
  const operator: TextOperator = { search: argument.$search, caseSensitive: false, diacriticSensitive: false };
  if (argument.$language !== undefined) {
    expected++;
    if (typeof argument.$language !== "string") throw typeMismatch("$language requires a string value");
    operator.language = argument.$language;
  }
  for (const flag of ["$caseSensitive", "$diacriticSensitive"] as const) {
    if (argument[flag] === undefined) continue;
    expected++;
    if (typeof argument[flag] !== "boolean") throw typeMismatch(`${flag} requires a boolean value`);
    operator[flag === "$caseSensitive" ? "caseSensitive" : "diacriticSensitive"] = argument[flag] as boolean;
  }
  if (Object.keys(argument).length !== expected) throw badValue("extra fields in $text");
  return operator;
}

type QueryToken = { kind: "text" | "delimiter"; data: string; offset: number; afterWhiteSpace: boolean };

// The query parser's white space (Unicode word boundaries it treats as separators).
const isWhiteSpace = (c: string) => c === " " || c === "\n" || c === "\v" || c === "\f" || c === "\r";
const isDelimiter = (c: string) => c === "-" || c === '"';

function* queryTokens(search: string): Generator<QueryToken> {
  let pos = 0;
  const skipWhiteSpace = () => {
    const start = pos;
    while (pos < search.length && isWhiteSpace(search[pos])) pos++;
    return pos > start;
  };
  skipWhiteSpace();
  let afterWhiteSpace = true;
  while (pos < search.length) {
    const start = pos++;
    const kind = isDelimiter(search[start]) ? "delimiter" : "text";
    if (kind === "text") while (pos < search.length && !isDelimiter(search[pos]) && !isWhiteSpace(search[pos])) pos++;
    const token: QueryToken = { kind, data: search.slice(start, pos), offset: start, afterWhiteSpace };
    afterWhiteSpace = skipWhiteSpace();
    yield token;
  }
}

export function parseTextQuery(operator: TextOperator, defaultLanguage: string): TextQuery {
  const languageName = operator.language ?? defaultLanguage;
  const language = textLanguage(languageName);
  if (!language) throw badValue(`unsupported language: "${languageName}" for text index version 3`);
  const positive: string[] = [];
  const negative: string[] = [];
  const positivePhrases: string[] = [];
  const negatedPhrases: string[] = [];
  let inNegation = false;
  let inPhrase = false;
  let quoteOffset = 0;
  for (const token of queryTokens(operator.search)) {
    if (token.kind === "text") {
      if (inPhrase && inNegation) continue;
      // A negation lasts until the next white space: "-foo-bar" negates both words.
      if (inNegation && token.afterWhiteSpace) inNegation = false;
      (inNegation ? negative : positive).push(token.data);
    } else if (token.data === "-") {
      if (!inPhrase && token.afterWhiteSpace) inNegation = true;
    } else if (inPhrase) {
      const phrase = operator.search.slice(quoteOffset + 1, token.offset);
      (inNegation ? negatedPhrases : positivePhrases).push(phrase);
      inPhrase = false;
    } else {
      inPhrase = true;
      if (inNegation && token.afterWhiteSpace) inNegation = false;
      quoteOffset = token.offset;
    }
  }
  const indexForm = { filterStopWords: true };
  const asCompared = { filterStopWords: true, caseSensitive: operator.caseSensitive, diacriticSensitive: operator.diacriticSensitive };
  const terms = (sentence: string[], options: typeof indexForm) => new Set(tokenize(sentence.join(" "), language, options));
  return {
    language,
    caseSensitive: operator.caseSensitive,
    diacriticSensitive: operator.diacriticSensitive,
    termsForBounds: terms(positive, indexForm),
    positiveTerms: terms(positive, asCompared),
    negatedTerms: terms(negative, asCompared),
    positivePhrases,
    negatedPhrases,
  };
}
