/**
 * A text index's specification: normalized at creation as the server's FTSSpec::fixSpec does
 * (text fields become `_fts`/`_ftsx` in the key, `weights` lists them, integer weights in
 * (0, 100000), `default_language` "english", `language_override` "language", version 3), and read
 * back to walk a document's text (FTSElementIterator) and score it (FTSSpec::scoreDocument).
 */
import { isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { CommandError, ErrorCodes } from "../errors.ts";
import { textLanguage, type TextLanguage } from "./text-language.ts";
import { tokenize } from "./text-tokenizer.ts";
import type { Doc } from "./paths.ts";

const MAX_WORD_WEIGHT = 100_000;
const cannotCreate = (message: string) => new CommandError(ErrorCodes.CannotCreateIndex, message);

export const isTextKey = (key: Record<string, unknown>): boolean =>
  Object.entries(key).some(([field, type]) => type === "text" || field === "_fts");

/** The stored form of a text index spec (key, weights, languages, version), or a CannotCreateIndex error. */
export function normalizeTextSpec(raw: Doc): Doc {
  const key: Doc = {};
  const weights = new Map<string, number>();
  const entries = Object.entries(raw.key as Doc);
  let textSeen = false;
  let textEnded = false;
  for (const [field, type] of entries) {
    const isText = type === "text" || field === "_fts" || field === "_ftsx";
    if (textEnded && isText) throw cannotCreate("'text' fields in index must all be adjacent");
    if (textSeen && !isText) textEnded = true;
    if (field === "_fts" && type !== "text") throw cannotCreate('expecting _fts:"text"');
    if (field === "_ftsx" && toNumber(type) !== 1) throw cannotCreate("expecting _ftsx:1");
    if (!isText && (field === "_fts" || field === "_ftsx")) throw cannotCreate("text index with reserved fields _fts/_ftsx not allowed");
    if (isText) {
      if (!textSeen) Object.assign(key, { _fts: "text", _ftsx: 1 });
      textSeen = true;
      if (type === "text" && field !== "_fts") weights.set(field, 1);
    } else {
      if (!isNumeric(type) || (toNumber(type) !== 1 && toNumber(type) !== -1)) throw cannotCreate("expected value 1 or -1 for non-text key in compound index");
      key[field] = type;
    }
  }
  if (raw.weights !== undefined) {
    if (raw.weights === "$**") weights.set("$**", 1);
    else if (!isPlainObject(raw.weights)) throw cannotCreate("text index option 'weights' must be an object");
    else for (const [field, weight] of Object.entries(raw.weights)) {
      if (!isNumeric(weight)) throw cannotCreate("weight for text index needs numeric type");
      weights.set(field, Math.trunc(toNumber(weight)));
    }
  }
  if (!weights.size) throw cannotCreate("text index option 'weights' must specify fields or the wildcard");
  for (const [field, weight] of weights) {
    if (weight <= 0 || weight >= MAX_WORD_WEIGHT) throw cannotCreate(`text index weight must be in the exclusive interval (0,${MAX_WORD_WEIGHT}) but found: ${weight}`);
    if (field !== "$**" && field.split(".").some((part) => part === "")) throw cannotCreate("weight cannot have empty path component");
    if (field !== "$**" && field.split(".").some((part) => part.startsWith("$"))) throw cannotCreate("weight cannot have path component with $ prefix");
  }
  const defaultLanguage = raw.default_language ?? "english";
  if (typeof defaultLanguage !== "string") throw cannotCreate("default_language needs a string type");
  if (!textLanguage(defaultLanguage)) throw cannotCreate("default_language is not valid");
  const override = raw.language_override ?? "language";
  if (typeof override !== "string") throw cannotCreate("language_override must be a string");
  if (!override || override.startsWith("$") || override.includes(".")) throw cannotCreate("language_override is not valid");
  const version = raw.textIndexVersion ?? 3;
  if (!isNumeric(version)) throw cannotCreate("text index option 'textIndexVersion' must be a number");
  if (toNumber(version) !== 2 && toNumber(version) !== 3) throw cannotCreate(`bad textIndexVersion: ${toNumber(version)}`);
  const sortedWeights = Object.fromEntries([...weights].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { key, weights: sortedWeights, default_language: defaultLanguage, language_override: override, textIndexVersion: toNumber(version) };
}

export interface TextValue {
  text: string;
  language: TextLanguage;
  weight: number;
}

/** A stored text index spec, read for walking and scoring documents. */
export class TextSpec {
  readonly weights: Map<string, number>;
  readonly wildcard: boolean;
  readonly defaultLanguage: TextLanguage;
  readonly languageOverride: string;
  /** Key fields before the text fields: a `$text` query needs an equality on each. */
  readonly prefixFields: string[];

  constructor(spec: Doc) {
    const weights = Object.entries((spec.weights ?? {}) as Doc).map(([field, weight]) => [field, toNumber(weight)] as const);
    this.wildcard = weights.some(([field]) => field === "$**");
    this.weights = new Map(weights.filter(([field]) => field !== "$**"));
    this.defaultLanguage = textLanguage(String(spec.default_language ?? "english")) ?? textLanguage("english")!;
    this.languageOverride = String(spec.language_override ?? "language");
    const fields = Object.keys(spec.key as Doc);
    this.prefixFields = fields.slice(0, fields.indexOf("_fts"));
  }

  /** The language of a (sub)document: its override field, else its parent's (17261/17262 when unusable). */
  languageOf(obj: Doc, parent: TextLanguage): TextLanguage {
    const value = obj[this.languageOverride];
    if (value === undefined) return parent;
    if (typeof value !== "string") throw new CommandError(17261, "found language override field in document with non-string type");
    const language = textLanguage(value);
    if (!language) throw new CommandError(17262, `language override unsupported: ${value}`);
    return language;
  }

  /** The indexed strings of a document, each with its language and weight (FTSElementIterator). */
  *strings(doc: Doc): Generator<TextValue> {
    yield* this.walk(doc, "", this.languageOf(doc, this.defaultLanguage), false);
  }

  private *walk(obj: Doc | unknown[], parentPath: string, language: TextLanguage, isArray: boolean): Generator<TextValue> {
    for (const [name, value] of Object.entries(obj)) {
      const path = isArray ? parentPath : parentPath ? `${parentPath}.${name}` : name;
      if (!this.wildcard && !this.isWeightPrefix(path)) continue;
      const exact = this.weights.has(path);
      const weight = exact ? this.weights.get(path)! : 1;
      if (typeof value === "string") {
        if (exact || this.wildcard) yield { text: value, language, weight };
      } else if (Array.isArray(value)) {
        // Arrays are walked from a document, not from another array (unless everything is indexed).
        if (!isArray || this.wildcard) yield* this.walk(value, path, language, true);
      } else if (isPlainObject(value) && !exact) {
        yield* this.walk(value, path, this.languageOf(value, language), false);
      }
    }
  }

  private isWeightPrefix(path: string): boolean {
    for (const field of this.weights.keys()) if (field === path || field.startsWith(`${path}.`)) return true;
    return false;
  }

  /**
   * Each term's score in a document (FTSSpec::_scoreStringV2, summed over its strings): for a
   * string of n terms where a term occurs c times, freq = 1 + 1/2 + … + 1/2^(c-1) and the term
   * scores weight × freq × (0.5 × c / n + 0.5), × 1.1 when the term is the whole string.
   */
  scoreDocument(doc: Doc): Map<string, number> {
    const scores = new Map<string, number>();
    for (const { text, language, weight } of this.strings(doc)) {
      const terms = tokenize(text, language, { filterStopWords: true });
      const counts = new Map<string, number>();
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      for (const [term, count] of counts) {
        const freq = 2 - 2 ** (1 - count);
        const coefficient = (0.5 * count) / terms.length + 0.5;
        const adjustment = text.length === term.length && text.toLowerCase() === term.toLowerCase() ? 1.1 : 1;
        scores.set(term, (scores.get(term) ?? 0) + weight * freq * coefficient * adjustment);
      }
    }
    return scores;
  }
}
