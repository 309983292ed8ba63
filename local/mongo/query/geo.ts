/**
 * The geo query operators. `$geoWithin` ($geometry, $centerSphere, $box, $polygon, $center) and
 * `$geoIntersects` need no index and are plain predicates. `$near`/`$nearSphere` need one: the
 * planner walks the 2dsphere index outwards from the centre (see `storage/geo-index.ts`), and
 * their predicate here only keeps documents between the minimum and maximum distance.
 */
import { isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { CommandError, badValue } from "../errors.ts";
import { distanceTo } from "./geo-relations.ts";
import { EARTH_RADIUS_METERS, toVector } from "./geo-sphere.ts";
import { flatPoint, GeoParseError, isLegacyShaped, parseGeoJson, parseStoredGeometry, showValue, type GeoPoint, type Geometry } from "./geo-shapes.ts";
import type { Doc } from "./paths.ts";

type ValuesPredicate = (values: unknown[]) => boolean;

export const NEAR_OPERATORS = ["$near", "$nearSphere", "$geoNear"];

export interface NearQuery {
  operator: string;
  /** The centre on the sphere (undefined for a legacy pair outside longitude/latitude bounds). */
  center?: GeoPoint;
  x: number;
  y: number;
  /** GeoJSON centre: metres; legacy pair: radians under `$nearSphere`, plane units under `$near` (a 2d index). */
  units: "meters" | "radians" | "flat";
  min: number;
  max: number;
}

/** "$geoNear, $near, and $nearSphere are not allowed in this context" (an aggregation $match, a count, …). */
export const nearNotAllowed = () => new CommandError(5626500, "$geoNear, $near, and $nearSphere are not allowed in this context, as these operators require sorting geospatial data. If you do not need sort, consider using $geoWithin instead. Check out https://dochub.mongodb.org/core/near-sort-operation and https://dochub.mongodb.org/core/nearSphere-sort-operationfor more details.");

const reason = (error: unknown): string => {
  if (error instanceof GeoParseError) return error.message;
  throw error;
};

/** Parses `{ $near: …, $minDistance, $maxDistance }` as GeoNearExpression::parseFrom does. */
export function parseNear(operators: Doc): NearQuery {
  return parseLegacyNear(operators) ?? parseNewNear(operators);
}

function parseLegacyNear(operators: Doc): NearQuery | undefined {
  let near: Omit<NearQuery, "min" | "max"> | undefined;
  let min = 0;
  let max = Number.MAX_VALUE;
  for (const [name, value] of Object.entries(operators)) {
    if (NEAR_OPERATORS.includes(name)) {
      if (!Array.isArray(value) && !isPlainObject(value)) return undefined;
      const point = queryPoint(value) ?? pointWithMaxDistance(value);
      if (!point) continue;
      if (point.max !== undefined) {
        if (!(point.max >= 0)) throw new CommandError(18522, "max distance must be non-negative");
        max = point.max;
      }
      near = { operator: name, ...point.near };
    } else if (name === "$minDistance" || name === "$maxDistance") {
      const [typeCode, signCode] = name === "$minDistance" ? [16893, 16894] : [16895, 16896];
      if (!isNumeric(value)) throw new CommandError(typeCode, `${name} must be a number`);
      const n = toNumber(value);
      if (!(n >= 0)) throw new CommandError(signCode, `${name} must be non-negative`);
      if (name === "$minDistance") min = n;
      else max = n;
    } else if (name !== "$uniqueDocs") {
      throw new CommandError(34413, `invalid argument in geo near query: ${name}`);
    }
  }
  return near ? finish({ ...near, min, max }) : undefined;
}

type ParsedPoint = { near: Omit<NearQuery, "operator" | "min" | "max">; max?: number };

/** A legacy pair (exactly two numbers) or a GeoJSON point; undefined when it is neither. */
function queryPoint(value: unknown): ParsedPoint | undefined {
  try {
    if (isLegacyShaped(value)) {
      const { x, y } = flatPoint(value, false);
      return { near: { x, y, units: "flat", center: validCenter(x, y) } };
    }
    const geometry = parseGeoJson(value as Doc);
    if (geometry.points.length !== 1 || (value as Doc).type !== "Point") return undefined;
    const [center] = geometry.points;
    return { near: { x: center.lng, y: center.lat, units: "meters", center } };
  } catch (error) {
    reason(error);
    return undefined;
  }
}

/** The legacy `[x, y, maxDistance]` form. */
function pointWithMaxDistance(value: unknown): ParsedPoint | undefined {
  const items = Array.isArray(value) ? value : Object.values(value as object);
  if (items.length !== 3 || !items.every(isNumeric)) return undefined;
  const [x, y, max] = items.map(toNumber);
  return { near: { x, y, units: "flat", center: validCenter(x, y) }, max };
}

const validCenter = (x: number, y: number): GeoPoint | undefined =>
  x >= -180 && x <= 180 && y >= -90 && y <= 90 ? { lng: x, lat: y, v: toVector(x, y) } : undefined;

function parseNewNear(operators: Doc): NearQuery {
  const entries = Object.entries(operators);
  if (!entries.length) throw badValue("empty geo near query object");
  if (entries.length > 1) throw badValue(`geo near accepts just one argument when querying for a GeoJSON point. Extra field found: ${entries[1][0]}: ${showValue(entries[1][1])}`);
  const [[operator, argument]] = entries;
  if (!isPlainObject(argument)) throw badValue("geo near query argument is not an object");
  const near: Partial<NearQuery> = { operator, min: 0, max: Number.MAX_VALUE, units: "meters" };
  for (const [name, value] of Object.entries(argument)) {
    if (name === "$geometry") {
      if (!isPlainObject(value)) continue;
      let center: GeoPoint;
      try {
        if (isLegacyShaped(value)) throw badValue(`$near requires geojson point, given ${showValue(value)}`);
        const geometry = parseGeoJson(value);
        if (value.type !== "Point") throw new GeoParseError("Point must be an array or object, instead got type missing");
        center = geometry.points[0];
      } catch (error) {
        if (error instanceof CommandError) throw error;
        throw badValue(`invalid point in geo near query $geometry argument: ${showValue(value)}  ${reason(error)}`);
      }
      Object.assign(near, { center, x: center.lng, y: center.lat });
    } else if (name === "$minDistance" || name === "$maxDistance") {
      if (!isNumeric(value)) throw badValue(`${name} must be a number`);
      const n = toNumber(value);
      if (!(n >= 0 && Number.isFinite(n))) throw badValue(`${name} must be non-negative`);
      near[name === "$minDistance" ? "min" : "max"] = n;
    } else {
      throw badValue(`invalid argument in geo near query: ${name}`);
    }
  }
  if (!near.center) throw badValue("$geometry is required for geo near query");
  return finish(near as NearQuery);
}

function finish(near: NearQuery): NearQuery {
  if (near.operator !== "$nearSphere" || near.units === "meters") return near;
  if (!near.center) throw badValue("Legacy point is out of bounds for spherical query");
  return { ...near, units: "radians" };
}

const geometries = new WeakMap<object, Geometry | null>();

/** A stored value read as a geometry (cached per value); undefined when it is none. */
function storedGeometry(value: unknown): Geometry | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  let geometry = geometries.get(value);
  if (geometry === undefined) {
    try {
      geometry = parseStoredGeometry(value, "");
    } catch (error) {
      reason(error);
      geometry = null;
    }
    geometries.set(value, geometry);
  }
  return geometry ?? undefined;
}

/** The geometries among a path's values: each value, and each element of an array that is not itself a pair. */
export function* geometriesAmong(values: unknown[]): Generator<{ value: unknown; geometry: Geometry }> {
  for (const value of values) {
    const geometry = storedGeometry(value);
    if (geometry) yield { value, geometry };
    else if (Array.isArray(value)) {
      for (const element of value) {
        const inner = storedGeometry(element);
        if (inner) yield { value: element, geometry: inner };
      }
    }
  }
}

/** The distance from a near query's centre to a geometry, in the query's units. */
export function nearDistance(near: NearQuery, geometry: Geometry): number {
  if (near.units === "flat") {
    const points = geometry.legacy || (!geometry.lines.length && !geometry.polygons.length) ? geometry.points : [];
    return Math.min(...points.map((p) => Math.hypot(p.lng - near.x, p.lat - near.y)));
  }
  const radians = distanceTo(near.center!.v, geometry);
  return near.units === "meters" ? radians * EARTH_RADIUS_METERS : radians;
}

export function compileNear(operators: Doc): ValuesPredicate {
  const near = parseNear(operators);
  return (values) => {
    let best = Number.POSITIVE_INFINITY;
    for (const { geometry } of geometriesAmong(values)) best = Math.min(best, nearDistance(near, geometry));
    return best >= near.min && best <= near.max;
  };
}
