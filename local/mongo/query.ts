/** The query language in one import: filters, sorting, collation and path helpers. */
export { compileFilter, isTruthy, type Predicate, type QueryOptions } from "./query/match.ts";
export { parseSort, sortDocuments, type SortSpec } from "./query/sort.ts";
export { stringComparerFor, type Collation } from "./query/collation.ts";
export { getPath, setPath, valuesAtPath, type Doc } from "./query/paths.ts";
