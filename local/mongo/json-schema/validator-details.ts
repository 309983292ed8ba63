/**
 * errInfo.details for a whole collection validator, which may mix $jsonSchema with query
 * operators. The server splits the validator into top-level clauses (one per operator of each
 * field); a single clause reports itself, several are reported under an implicit `$and`.
 *
 * Only the simple operators are evaluated here to find which clauses failed; anything else is
 * reported as "expression did not match" whenever no evaluated clause explains the failure.
 */
import {
  bsonTypeOf,
  BSON_TYPE_NUMBERS,
  canonicalOrder,
  compareValues,
  isNumeric,
  isPlainObject,
  regexParts,
  toNumber,
  valuesEqual,
} from "../bson-values.ts";
import { byUtf8, type Detail, fieldOf } from "./values.ts";
import { compilePattern } from "../query/regex.ts";

type ValidatorClause =
  | { kind: "schema"; spec: unknown }
  | { kind: "logical"; op: "$and" | "$or"; branches: Record<string, unknown>[] }
  | { kind: "path"; op: string; path: string; operand: unknown; options?: unknown; specifiedAs: Detail }
  | { kind: "other"; op: string; specifiedAs: Detail };

/** Evaluates a $jsonSchema clause; the caller's own result stands in for the validator's own schema. */
export type SchemaJudge = (spec: unknown) => Detail | null | undefined;

const isRegexValue = (value: unknown): boolean => bsonTypeOf(value) === "regex";

const isOperatorObject = (value: unknown): value is Record<string, unknown> =>
  isPlainObject(value) && Object.keys(value).length > 0 && Object.keys(value)[0].startsWith("$");

function clausesOf(query: Record<string, unknown>): ValidatorClause[] {
  const clauses: ValidatorClause[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || key === "$comment") continue;
    if (key === "$jsonSchema") clauses.push({ kind: "schema", spec: value });
    else if ((key === "$and" || key === "$or") && Array.isArray(value) && value.every((b) => isPlainObject(b))) {
      clauses.push({ kind: "logical", op: key, branches: value as Record<string, unknown>[] });
    } else if (key.startsWith("$")) clauses.push({ kind: "other", op: key, specifiedAs: { [key]: value } });
    else if (isOperatorObject(value)) {
      for (const [op, operand] of Object.entries(value)) {
        if (op === "$options" && value.$regex !== undefined) continue;
        if (op === "$regex") {
          const spec: Detail = { $regex: operand };
          if (value.$options !== undefined) spec.$options = value.$options;
          clauses.push({ kind: "path", op, path: key, operand, options: value.$options, specifiedAs: { [key]: spec } });
        } else {
          clauses.push({ kind: "path", op, path: key, operand, specifiedAs: { [key]: { [op]: operand } } });
        }
      }
    } else {
      const op = isRegexValue(value) ? "$regex" : "$eq";
      clauses.push({ kind: "path", op, path: key, operand: value, specifiedAs: { [key]: value } });
    }
  }
  return clauses;
}

/** Values at a dotted path: `leaves` as stored, `values` with leaf arrays opened (kTraverseOmitArray). */
function valuesAt(doc: Record<string, unknown>, path: string): { leaves: unknown[]; values: unknown[] } {
  const parts = path.split(".");
  const leaves: unknown[] = [];
  const walk = (value: unknown, i: number): void => {
    if (i === parts.length) {
      leaves.push(value);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) if (isPlainObject(item)) walk(item, i);
      if (/^\d+$/.test(parts[i]) && Number(parts[i]) < value.length) walk(value[Number(parts[i])], i + 1);
      return;
    }
    if (isPlainObject(value)) {
      const next = fieldOf(value, parts[i]);
      if (next !== undefined) walk(next, i + 1);
    }
  };
  walk(doc, 0);
  return { leaves, values: leaves.flatMap((leaf) => (Array.isArray(leaf) ? leaf : [leaf])) };
}

function regexOf(operand: unknown, options?: unknown): RegExp | undefined {
  let source: string;
  let flags: string;
  if (typeof operand === "string") {
    source = operand;
    flags = typeof options === "string" ? options : "";
  } else if (isRegexValue(operand)) {
    ({ source, flags } = regexParts(operand));
  } else return undefined;
  try {
    return compilePattern(source, [...new Set(flags)].filter((f) => "ims".includes(f)).join(""));
  } catch {
    return undefined;
  }
}

function typeSetOf(spec: unknown): ((value: unknown) => boolean) | undefined {
  const codes = new Map(Object.entries(BSON_TYPE_NUMBERS).map(([name, code]) => [code, name]));
  const names = new Set<string>();
  let numbers = false;
  for (const item of Array.isArray(spec) ? spec : [spec]) {
    if (item === "number") numbers = true;
    else if (typeof item === "string" && Object.hasOwn(BSON_TYPE_NUMBERS, item)) names.add(item);
    else if (isNumeric(item) && codes.has(toNumber(item))) names.add(codes.get(toNumber(item))!);
    else return undefined;
  }
  return (value) => names.has(bsonTypeOf(value)) || (numbers && isNumeric(value));
}

const matchesOperand = (value: unknown, operand: unknown): boolean => {
  if (isRegexValue(operand)) return typeof value === "string" && (regexOf(operand)?.test(value) ?? false);
  return valuesEqual(value, operand);
};

/** true/false when this module knows the operator's semantics, undefined otherwise. */
function evaluatePath(clause: Extract<ValidatorClause, { kind: "path" }>, doc: Record<string, unknown>): boolean | undefined {
  const { leaves, values } = valuesAt(doc, clause.path);
  // Comparisons see each stored value and, for arrays, each element too.
  const all = [...leaves, ...leaves.filter((leaf) => Array.isArray(leaf)).flat()];
  const operand = clause.operand;
  const equals = (): boolean =>
    isRegexValue(operand)
      ? all.some((v) => matchesOperand(v, operand))
      : (operand === null && leaves.length === 0) || all.some((v) => valuesEqual(v, operand));
  const inList = (): boolean | undefined => {
    if (!Array.isArray(operand)) return undefined;
    if (operand.some((o) => o === null) && leaves.length === 0) return true;
    return all.some((v) => operand.some((o) => matchesOperand(v, o)));
  };
  const compare = (test: (c: number) => boolean): boolean =>
    all.some((v) => canonicalOrder(v) === canonicalOrder(operand) && test(compareValues(v, operand)));
  switch (clause.op) {
    case "$eq": return equals();
    case "$ne": return !equals();
    case "$gt": return compare((c) => c > 0);
    case "$gte": return compare((c) => c >= 0);
    case "$lt": return compare((c) => c < 0);
    case "$lte": return compare((c) => c <= 0);
    case "$in": return inList();
    case "$nin": {
      const result = inList();
      return result === undefined ? undefined : !result;
    }
    case "$exists": return (leaves.length > 0) === !(operand === false || operand === 0 || operand === null);
    case "$type": {
      const test = typeSetOf(operand);
      if (!test) return undefined;
      return values.some(test) || (test([]) && leaves.some((leaf) => Array.isArray(leaf)));
    }
    case "$regex": {
      const regex = regexOf(operand, clause.options);
      return regex ? all.some((v) => typeof v === "string" && regex.test(v)) : undefined;
    }
  }
  return undefined;
}

function considered(detail: Detail, values: unknown[]): void {
  if (values.length === 1) detail.consideredValue = values[0];
  else detail.consideredValues = values;
}

function consideredTypes(detail: Detail, values: unknown[]): void {
  const types = [...new Set(values.map((v) => bsonTypeOf(v) as string))].sort(byUtf8);
  if (types.length === 1) detail.consideredType = types[0];
  else if (types.length > 1) detail.consideredTypes = types;
}

const REASONS: Record<string, string> = {
  $eq: "comparison failed", $gt: "comparison failed", $gte: "comparison failed", $lt: "comparison failed",
  $lte: "comparison failed", $ne: "comparison succeeded", $in: "no matching value found in array",
  $nin: "matching value found in array", $type: "type did not match", $regex: "regular expression did not match",
};

function describePath(clause: Extract<ValidatorClause, { kind: "path" }>, doc: Record<string, unknown>): Detail {
  const detail: Detail = { operatorName: clause.op, specifiedAs: clause.specifiedAs };
  const reason = REASONS[clause.op];
  if (clause.op === "$exists") {
    detail.reason = evaluatePath({ ...clause, operand: true }, doc) ? "path does exist" : "path does not exist";
    return detail;
  }
  if (reason === undefined) return { ...detail, reason: "expression did not match" };
  const { leaves, values } = valuesAt(doc, clause.path);
  if (leaves.length === 0) return { ...detail, reason: "field was missing" };
  if (clause.op === "$regex" && !values.some((v) => typeof v === "string" || isRegexValue(v) || bsonTypeOf(v) === "symbol")) {
    detail.reason = "type did not match";
    consideredTypes(detail, values);
    detail.expectedTypes = ["regex", "string", "symbol"];
    considered(detail, values);
    return detail;
  }
  detail.reason = reason;
  considered(detail, values);
  if (clause.op === "$type") consideredTypes(detail, values);
  return detail;
}

function evaluate(clause: ValidatorClause, doc: Record<string, unknown>, judge: SchemaJudge): boolean | undefined {
  switch (clause.kind) {
    case "schema": {
      const failure = judge(clause.spec);
      return failure === undefined ? undefined : failure === null;
    }
    case "logical": {
      const results = clause.branches.map((branch) => evaluateQuery(branch, doc, judge));
      const decisive = clause.op === "$and" ? false : true;
      if (results.includes(decisive)) return decisive;
      return results.includes(undefined) ? undefined : !decisive;
    }
    case "path": return evaluatePath(clause, doc);
    case "other": return undefined;
  }
}

function evaluateQuery(query: Record<string, unknown>, doc: Record<string, unknown>, judge: SchemaJudge): boolean | undefined {
  const results = clausesOf(query).map((clause) => evaluate(clause, doc, judge));
  if (results.includes(false)) return false;
  return results.includes(undefined) ? undefined : true;
}

function describe(clause: ValidatorClause, doc: Record<string, unknown>, judge: SchemaJudge): Detail {
  switch (clause.kind) {
    case "schema":
      return judge(clause.spec) ?? { operatorName: "$jsonSchema", specifiedAs: { $jsonSchema: clause.spec }, reason: "expression did not match" };
    case "logical": {
      const results = clause.branches.map((branch) => evaluateQuery(branch, doc, judge));
      // Every branch of a failed $or failed; a failed $and names the branches that did.
      const failing = clause.op === "$or" ? results.map((_, i) => i) : failingIndexes(results);
      return {
        operatorName: clause.op,
        clausesNotSatisfied: failing.map((index) => ({ index, details: describeQuery(clause.branches[index], doc, judge) })),
      };
    }
    case "path": return describePath(clause, doc);
    case "other": return { operatorName: clause.op, specifiedAs: clause.specifiedAs, reason: "expression did not match" };
  }
}

/** The clauses known to fail; failing those, the ones that could not be judged. */
function failingIndexes(results: Array<boolean | undefined>): number[] {
  const known = results.flatMap((r, i) => (r === false ? [i] : []));
  if (known.length) return known;
  const unknown = results.flatMap((r, i) => (r === undefined ? [i] : []));
  return unknown.length ? unknown : results.map((_, i) => i);
}

export function describeQuery(query: Record<string, unknown>, doc: Record<string, unknown>, judge: SchemaJudge): Detail {
  const clauses = clausesOf(query);
  if (clauses.length === 1) return describe(clauses[0], doc, judge);
  const failing = failingIndexes(clauses.map((clause) => evaluate(clause, doc, judge)));
  return {
    operatorName: "$and",
    clausesNotSatisfied: failing.map((index) => ({ index, details: describe(clauses[index], doc, judge) })),
  };
}
