/**
 * The mingo operator context the stand-in evaluates aggregation expressions and stages with.
 *
 * mingo compares values with JavaScript rules (an ObjectId sorts after a boolean, a Long is
 * not a number), so the operators whose result depends on BSON ordering are replaced here by
 * versions built on `compareValues`; everything else is mingo's own.
 */
import { Context, ProcessingMode, evalExpr } from "mingo/core";
import type { Options } from "mingo/types";
import * as accumulatorOperators from "mingo/operators/accumulator";
import * as expressionOperators from "mingo/operators/expression";
import * as pipelineOperators from "mingo/operators/pipeline";
import * as projectionOperators from "mingo/operators/projection";
import * as queryOperators from "mingo/operators/query";
import * as windowOperators from "mingo/operators/window";
import { compareValues, plainNumbers } from "../bson-values.ts";
import { stringComparerFor, type Collation } from "./collation.ts";
import { metaValue } from "./metadata.ts";

type ExpressionOperator = (obj: unknown, expr: unknown, options: Options) => unknown;


const stringsOf = (options: Options) => stringComparerFor(options.collation as Collation | undefined);

function comparison(test: (order: number) => boolean): ExpressionOperator {
  return (obj, expr, options) => {
    if (!Array.isArray(expr) || expr.length !== 2) throw new Error("comparison expects an array of 2 arguments");
    const [a, b] = evalExpr(obj, expr, options) as unknown[];
    return test(compareValues(a ?? null, b ?? null, stringsOf(options)));
  };
}

const BSON_COMPARISONS: Record<string, ExpressionOperator> = {
  $eq: comparison((order) => order === 0),
  $ne: comparison((order) => order !== 0),
  $gt: comparison((order) => order > 0),
  $gte: comparison((order) => order >= 0),
  $lt: comparison((order) => order < 0),
  $lte: comparison((order) => order <= 0),
  $cmp: (obj, expr, options) => {
    const [a, b] = evalExpr(obj, expr, options) as unknown[];
    return compareValues(a ?? null, b ?? null, stringsOf(options));
  },
  // mingo has no `$meta`; the metadata travels in a reserved field of each document (see metadata.ts).
  $meta: (obj, expr) => metaValue(obj, expr),
};

/** Pipeline stages the stand-in implements itself (they need the storage engine or BSON order). */
export type PipelineOperator = (collection: unknown, expr: unknown, options: Options) => unknown;

export function buildContext(pipelineOverrides: Record<string, PipelineOperator> = {}): Context {
  return Context.init({
    accumulator: { ...accumulatorOperators },
    expression: { ...expressionOperators, ...BSON_COMPARISONS },
    pipeline: { ...pipelineOperators, ...pipelineOverrides },
    projection: { ...projectionOperators },
    query: { ...queryOperators },
    window: { ...windowOperators },
  } as Parameters<typeof Context.init>[0]);
}

export const expressionContext = buildContext();

/** Evaluates an aggregation expression against a document (for `$expr` and pipeline updates). */
export function evaluateExpression(
  doc: unknown,
  expr: unknown,
  { variables, collation }: { variables?: Record<string, unknown>; collation?: Collation } = {},
): unknown {
  return evalExpr(plainNumbers(doc), plainNumbers(expr), {
    context: expressionContext,
    variables: plainNumbers(variables),
    collation: collation as Options["collation"],
    processingMode: ProcessingMode.CLONE_OFF,
  } as Options);
}

export { ProcessingMode };
