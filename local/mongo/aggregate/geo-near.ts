/**
 * The `$geoNear` stage, as the server runs it: its options checked in the server's order and
 * with its codes, the geo index chosen from `key` or the collection's only 2dsphere index, then a
 * `$near`/`$nearSphere` walk of that index (metres around a GeoJSON point, radians around a legacy
 * pair with `spherical`) filtered by `query`. Each document gets `distanceField` (times
 * `distanceMultiplier`), `includeLocs`, and the geoNearDistance/geoNearPoint metadata.
 */
import { isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { CommandError, ErrorCodes, badValue } from "../errors.ts";
import { parseNear } from "../query/geo.ts";
import { isLegacyShaped } from "../query/geo-shapes.ts";
import { withMetadata } from "../query/metadata.ts";
import type { Doc } from "../query/paths.ts";
import type { CollectionStore } from "../storage/collection-store.ts";
import { geoIndexFor } from "../storage/special-plans.ts";

const typeMismatch = (message: string) => new CommandError(ErrorCodes.TypeMismatch, message);

interface GeoNearSpec {
  near: unknown;
  distanceField: string;
  spherical: boolean;
  query: Doc;
  min?: number;
  max?: number;
  multiplier?: number;
  includeLocs?: string;
  key?: string;
}

function parseSpec(raw: unknown): GeoNearSpec {
  if (!isPlainObject(raw)) throw new CommandError(10065, "invalid parameter: expected an object ($geoNear)");
  if (raw.collation !== undefined) throw new CommandError(40227, "$geoNear does not accept the 'collation' parameter. Instead, specify a collation for the entire aggregation command.");
  if (raw.limit !== undefined) throw new CommandError(50858, "$geoNear no longer supports the 'limit' parameter. Use a $limit stage instead.");
  if (raw.num !== undefined) throw new CommandError(50857, "$geoNear no longer supports the 'num' parameter. Use a $limit stage instead.");
  if (raw.start !== undefined) throw new CommandError(50856, "$geoNear no longer supports the 'start' argument.");
  if (raw.near === undefined) throw new CommandError(5860400, "$geoNear requires a 'near' argument");
  if (typeof raw.distanceField !== "string") throw new CommandError(16606, "$geoNear requires a 'distanceField' option as a String");
  const spec: GeoNearSpec = { near: raw.near, distanceField: raw.distanceField, spherical: Boolean(raw.spherical), query: {} };
  const nonNegative = (name: "maxDistance" | "minDistance" | "distanceMultiplier"): number | undefined => {
    if (raw[name] === undefined) return undefined;
    if (!isNumeric(raw[name])) throw typeMismatch(`${name} must be a number`);
    const n = toNumber(raw[name]);
    if (!(n >= 0)) throw badValue(`${name} must be nonnegative`);
    return n;
  };
  spec.max = nonNegative("maxDistance");
  spec.min = nonNegative("minDistance");
  spec.multiplier = nonNegative("distanceMultiplier");
  if (raw.query !== undefined) {
    if (!isPlainObject(raw.query)) throw typeMismatch("query must be an object");
    spec.query = raw.query;
  }
  if (raw.includeLocs !== undefined) {
    if (typeof raw.includeLocs !== "string") throw new CommandError(16607, "$geoNear requires that 'includeLocs' option is a String");
    spec.includeLocs = raw.includeLocs;
  }
  if (raw.key !== undefined) {
    if (typeof raw.key !== "string") throw typeMismatch(`$geoNear parameter 'key' must be of type string but found type: ${typeof raw.key}`);
    if (!raw.key) throw badValue("$geoNear parameter 'key' cannot be the empty string");
    spec.key = raw.key;
  }
  if (!Array.isArray(spec.near) && !isPlainObject(spec.near)) throw new CommandError(5860401, "$geoNear requires near argument to be a GeoJSON object or a legacy point(array)");
  return spec;
}

/** The field `$geoNear` searches: `key`, else the one 2d or 2dsphere index's geo field. */
function geoField(collection: CollectionStore, spec: GeoNearSpec): string {
  if (spec.key) return spec.key;
  const fieldsOf = (type: string) => [...collection.indexes.values()].filter((index) => Object.values(index.spec.key).includes(type));
  const flat = fieldsOf("2d");
  if (flat.length > 1) throw new CommandError(ErrorCodes.IndexNotFound, `There is more than one 2d index on ${collection.namespace}; unsure which to use for $geoNear`);
  const chosen = flat.length ? flat : fieldsOf("2dsphere");
  if (!chosen.length) throw new CommandError(ErrorCodes.IndexNotFound, "$geoNear requires a 2d or 2dsphere index, but none were found");
  if (chosen.length > 1) throw new CommandError(ErrorCodes.IndexNotFound, `There is more than one 2dsphere index on ${collection.namespace}; unsure which to use for $geoNear`);
  const type = flat.length ? "2d" : "2dsphere";
  return Object.entries(chosen[0].spec.key).find(([, value]) => value === type)![0];
}

export function geoNearDocuments(collection: CollectionStore | undefined, raw: unknown, options: { collation?: Doc; variables?: Doc }): Doc[] {
  const spec = parseSpec(raw);
  if (!collection) return [];
  const field = geoField(collection, spec);
  // The server runs $geoNear as this query: `query` plus a $near on the key.
  const operators: Doc = { [spec.spherical ? "$nearSphere" : "$near"]: spec.near };
  if (spec.min !== undefined) operators.$minDistance = spec.min;
  if (spec.max !== undefined) operators.$maxDistance = spec.max;
  const near = parseNear(isLegacyShaped(spec.near) ? operators : { [Object.keys(operators)[0]]: { $geometry: spec.near, ...withDollars(spec) } });
  const index = geoIndexFor(collection, field, near);
  const matches = collection.matcher(spec.query, { collation: options.collation, variables: options.variables });
  const results: Doc[] = [];
  for (const hit of index.geo!.nearest(field, near)) {
    const doc = collection.docs.get(hit.docKey);
    if (!doc || !matches(doc)) continue;
    const out = withMetadata(doc, { geoNearDistance: hit.distance, geoNearPoint: hit.location });
    setCopying(out, spec.distanceField, hit.distance * (spec.multiplier ?? 1));
    if (spec.includeLocs) setCopying(out, spec.includeLocs, hit.location);
    results.push(out);
  }
  return results;
}

const withDollars = (spec: GeoNearSpec): Doc => ({
  ...(spec.min !== undefined ? { $minDistance: spec.min } : {}),
  ...(spec.max !== undefined ? { $maxDistance: spec.max } : {}),
});

/** Sets a dotted path in a shallow copy, copying each embedded document on the way (the stored one stays as it is). */
function setCopying(doc: Doc, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    target[part] = isPlainObject(target[part]) ? { ...(target[part] as Doc) } : {};
    target = target[part] as Doc;
  }
  target[parts[parts.length - 1]] = value;
}
