/**
 * Shapes shared by the update modules. The names follow the server's update tree
 * (src/mongo/db/update): an update is parsed once into a tree of object, array and leaf nodes,
 * then applied to each document with a cursor that tracks which part of a path already exists
 * (`pathTaken`) and which part still has to be created (`pathToCreate`).
 */
import type { StringComparer } from "../bson-values.ts";
import type { QueryOptions } from "../query.ts";

export type Doc = Record<string, unknown>;
export type Container = Doc | unknown[];

export interface UpdateContext {
  arrayFilters?: Record<string, unknown>[];
  /** The update's filter, for the positional `$`. */
  query?: Record<string, unknown>;
  /** True when applying to a new upserted document: `$setOnInsert` applies. */
  isUpsertInsert?: boolean;
  /** For `$currentDate`, one instant per operation. */
  now?: Date;
  /** Collation for `$pull` / arrayFilters matching and for value comparisons. */
  queryOptions?: QueryOptions;
}

/** A value in the document together with where it lives, so a leaf can replace or remove it. */
export interface Element {
  value: unknown;
  /** Absent for the document root. */
  parent?: Container;
  key?: string | number;
}

/** The path walked so far; shared and mutated by the nodes like the server's FieldRefs. */
export interface Cursor {
  pathTaken: string[];
  pathToCreate: string[];
}

/** Everything one application of an update to one document needs. */
export interface Run {
  root: Doc;
  isInsert: boolean;
  now: Date;
  strings?: StringComparer;
  /** The array index the query matched, for `$`; undefined when it matched none. */
  matchedField?: string;
  changed: boolean;
}

/** What leaves are built with: the operation's query options and the collation's comparer. */
export interface LeafEnv {
  queryOptions: QueryOptions;
  strings?: StringComparer;
}

export interface LeafNode {
  readonly type: "leaf";
  apply(element: Element, cursor: Cursor, run: Run): void;
}

export interface ObjectNode {
  readonly type: "object";
  children: Map<string, UpdateNode>;
  positional?: UpdateNode;
  sorted?: [string, UpdateNode][];
}

/** Children are keyed by array filter identifier; "" stands for `$[]`. */
export interface ArrayNode {
  readonly type: "array";
  children: Map<string, UpdateNode>;
  filters: Map<string, (element: unknown) => boolean>;
  sorted?: [string, UpdateNode][];
}

export type UpdateNode = ObjectNode | ArrayNode | LeafNode;
