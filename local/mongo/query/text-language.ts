/**
 * The languages of MongoDB's text search (text index version 3): names and two-letter aliases
 * (case-insensitive, as the server reads them), with each language's stemmer and stop words.
 * Stemming is Snowball, as in the server's libstemmer: the `snowball-stemmers` package implements
 * the same algorithms for all fifteen languages ("none" neither stems nor drops stop words).
 */
import { createRequire } from "node:module";
import type * as SnowballStemmers from "snowball-stemmers";
import { STOP_WORDS } from "./text-stop-words.ts";

export interface TextLanguage {
  /** The canonical name ("english", …, "none"). */
  readonly name: string;
  stem(word: string): string;
  /** Whether a lower-cased word (diacritics kept) is a stop word. */
  isStopWord(word: string): boolean;
}

const ALIASES: Record<string, string> = {
  da: "danish", nl: "dutch", en: "english", fi: "finnish", fr: "french", de: "german", hu: "hungarian", it: "italian",
  nb: "norwegian", pt: "portuguese", ro: "romanian", ru: "russian", es: "spanish", sv: "swedish", tr: "turkish",
};
const NAMES = new Set([...Object.values(ALIASES), "none"]);

/** The canonical name of a language the server supports, or undefined. */
export function canonicalLanguage(name: string): string | undefined {
  const lower = name.toLowerCase();
  const canonical = ALIASES[lower] ?? lower;
  return NAMES.has(canonical) ? canonical : undefined;
}

// The package is CommonJS and large; it is loaded on the first text index or query.
let snowball: typeof SnowballStemmers | undefined;
const loadSnowball = (): typeof SnowballStemmers =>
  (snowball ??= createRequire(import.meta.url)("snowball-stemmers") as typeof SnowballStemmers);

const languages = new Map<string, TextLanguage>();

/** The language named (in any supported spelling), or undefined when the server has no such language. */
export function textLanguage(name: string): TextLanguage | undefined {
  const canonical = canonicalLanguage(name);
  if (!canonical) return undefined;
  let language = languages.get(canonical);
  if (!language) {
    const stemmer = canonical === "none" ? undefined : loadSnowball().newStemmer(canonical);
    const stems = new Map<string, string>();
    const stopWords = new Set((STOP_WORDS[canonical] ?? "").split(" ").filter(Boolean));
    language = {
      name: canonical,
      // Stemming is the costly step of indexing, and texts repeat their words.
      stem: (word) => {
        if (!stemmer) return word;
        let stem = stems.get(word);
        if (stem === undefined) {
          stem = stemmer.stem(word);
          if (stems.size < 100_000) stems.set(word, stem);
        }
        return stem;
      },
      isStopWord: (word) => stopWords.has(word),
    };
    languages.set(canonical, language);
  }
  return language;
}
