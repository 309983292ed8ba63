/**
 * Collation, reduced to what changes string comparison. `locale: "simple"` (or no collation)
 * means binary comparison; anything else goes through ICU via `Intl.Collator`, which is what
 * a real server uses underneath, with MongoDB's strength levels mapped to ICU sensitivities.
 */
import { CommandError, badValue } from "../errors.ts";
import type { StringComparer } from "../bson-values.ts";

export type Collation = Record<string, unknown>;

const SENSITIVITY_BY_STRENGTH: Record<number, Intl.CollatorOptions["sensitivity"]> = {
  1: "base",
  2: "accent",
  3: "variant",
  4: "variant",
  5: "variant",
};

const comparers = new Map<string, StringComparer>();

const COLLATION_FIELDS = new Set(["locale", "caseLevel", "caseFirst", "strength", "numericOrdering", "alternate", "maxVariable", "normalization", "backwards", "version"]);

/** The shape of ICU locale ids MongoDB accepts: language, optional script, optional region. */
const ICU_LOCALE = /^[a-z]{2,3}(_[A-Z][a-z]{3})?(_(?:[A-Z]{2}|\d{3}))?$/;

export function stringComparerFor(collation: Collation | undefined): StringComparer | undefined {
  if (!collation || collation.locale === undefined || collation.locale === "simple") return undefined;
  if (typeof collation.locale !== "string") throw badValue("collation locale must be a string");
  const unknownField = Object.keys(collation).find((field) => !COLLATION_FIELDS.has(field));
  if (unknownField) throw new CommandError(40415, `BSON field 'collation.${unknownField}' is an unknown field.`);
  const cacheKey = JSON.stringify(collation);
  const cached = comparers.get(cacheKey);
  if (cached) return cached;
  const strength = Number(collation.strength ?? 3);
  if (!(strength in SENSITIVITY_BY_STRENGTH)) throw badValue(`collation strength must be 1-5, got ${strength}`);
  let sensitivity = SENSITIVITY_BY_STRENGTH[strength];
  if (collation.caseLevel === true && sensitivity === "base") sensitivity = "case";
  // MongoDB spells locales ICU-style (en_US, de@collation=phonebook); Intl wants BCP 47 (en-US).
  const locale = collation.locale === "root" ? "und" : collation.locale.replace(/@.*$/, "").replaceAll("_", "-");
  const icuName = collation.locale.replace(/@.*$/, "");
  if (locale !== "und" && (!ICU_LOCALE.test(icuName) || !Intl.Collator.supportedLocalesOf([locale]).length)) {
    const shown = Object.entries(collation).map(([field, value]) => `${field}: ${JSON.stringify(value)}`).join(", ");
    throw badValue(`Field 'locale' is invalid in: { ${shown} }`);
  }
  const collator = new Intl.Collator(locale, {
    sensitivity,
    numeric: collation.numericOrdering === true,
    ignorePunctuation: collation.alternate === "shifted",
    caseFirst: collation.caseFirst === "upper" || collation.caseFirst === "lower" ? collation.caseFirst : "false",
  });
  const comparer: StringComparer = (a, b) => collator.compare(a, b);
  comparers.set(cacheKey, comparer);
  return comparer;
}
