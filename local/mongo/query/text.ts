/**
 * `$text` as a predicate. The planner reads its candidates (documents holding a positive term)
 * from the collection's text index; this checks the rest as the server's FTSMatcher does:
 * no negated term, every positive phrase, no negated phrase, and, when the query is case or
 * diacritic sensitive, a positive term as the query spells it.
 */
import { CommandError, ErrorCodes, badValue } from "../errors.ts";
import type { Doc } from "./paths.ts";
import type { TextSpec } from "./text-spec.ts";
import { parseTextOperator, parseTextQuery, type TextQuery } from "./text-query.ts";
import { phraseMatches, tokenize } from "./text-tokenizer.ts";

/** What the matcher needs of a collection's indexes: the text index, when there is one. */
export type TextIndexes = Iterable<{ readonly text?: { readonly spec: TextSpec } }>;

export function textSpecOf(indexes: TextIndexes): TextSpec {
  for (const index of indexes) if (index.text) return index.text.spec;
  throw new CommandError(ErrorCodes.IndexNotFound, "text index required for $text query");
}

/** `$text: {...}` parsed against the collection's text index (its default language). */
export function textQueryFor(argument: unknown, indexes: TextIndexes): { spec: TextSpec; query: TextQuery } {
  const operator = parseTextOperator(argument);
  const spec = textSpecOf(indexes);
  return { spec, query: parseTextQuery(operator, spec.defaultLanguage.name) };
}

export function compileText(argument: unknown, indexes: TextIndexes | undefined): (doc: Doc) => boolean {
  if (!indexes) {
    parseTextOperator(argument);
    throw badValue("$text is not allowed in this context");
  }
  const { spec, query } = textQueryFor(argument, indexes);
  const options = { filterStopWords: true, caseSensitive: query.caseSensitive, diacriticSensitive: query.diacriticSensitive };
  const checksTerms = query.caseSensitive || query.diacriticSensitive;
  const hasTerm = (strings: ReturnType<typeof collect>, terms: Set<string>) =>
    strings.some(({ text, language }) => tokenize(text, language, options).some((term) => terms.has(term)));
  return (doc) => {
    const strings = collect(spec, doc);
    if (checksTerms && !hasTerm(strings, query.positiveTerms)) return false;
    if (query.negatedTerms.size && hasTerm(strings, query.negatedTerms)) return false;
    const contains = (phrase: string) => strings.some(({ text, language }) => phraseMatches(phrase, text, language, options));
    return query.positivePhrases.every(contains) && !query.negatedPhrases.some(contains);
  };
}

const collect = (spec: TextSpec, doc: Doc) => [...spec.strings(doc)];
