/**
 * `$geoWithin` ($geometry polygons, $centerSphere, and the flat legacy $box, $polygon, $center)
 * and `$geoIntersects` ($geometry): predicates that need no index, as on a real server.
 */
import { isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { CommandError, badValue } from "../errors.ts";
import { geometriesAmong } from "./geo.ts";
import { intersects, within, type Region } from "./geo-relations.ts";
import { flatPoint, GeoParseError, parseGeoJson, showValue, sphericalPoint, type Geometry } from "./geo-shapes.ts";
import type { Doc } from "./paths.ts";

type ValuesPredicate = (values: unknown[]) => boolean;

const reason = (error: unknown): string => {
  if (error instanceof GeoParseError) return error.message;
  throw error;
};

export function compileGeoWithin(argument: unknown, operator: string): ValuesPredicate {
  const region = parseRegion(argument, operator);
  return (values) => [...geometriesAmong(values)].some(({ geometry }) => within(geometry, region));
}

export function compileGeoIntersects(argument: unknown): ValuesPredicate {
  if (!isPlainObject(argument)) throw badValue("geometry must be an object");
  const shape = onlyShape(argument, "$geoIntersects");
  if (shape.name !== "$geometry") throw badValue(`$geoIntersect not supported with provided geometry: { $geoIntersects: ${showValue(argument)} }`);
  const query = queryGeometry(shape.value);
  return (values) => [...geometriesAmong(values)].some(({ geometry }) => intersects(geometry, query));
}

function onlyShape(argument: Doc, operator: string): { name: string; value: unknown } {
  const shapes = Object.entries(argument).filter(([name]) => name !== "$uniqueDocs");
  if (shapes.length > 1 && operator === "$geoWithin") throw badValue(`$geoWithin doesn't accept multiple shapes ${operator}: ${showValue(argument)}`);
  if (!shapes.length) throw badValue("geo query doesn't have any geometry");
  const [name, value] = shapes[shapes.length - 1];
  if (!["$geometry", "$box", "$center", "$polygon", "$centerSphere"].includes(name)) throw badValue(`unknown geo specifier: ${name}: ${showValue(value)}`);
  if (!Array.isArray(value) && !isPlainObject(value)) throw badValue(`unknown geo specifier: ${name}: ${showValue(value)}`);
  return { name, value };
}

function queryGeometry(value: unknown): Geometry {
  try {
    if (!isPlainObject(value)) throw new GeoParseError("$geometry must be a GeoJSON object");
    return parseGeoJson(value);
  } catch (error) {
    throw badValue(reason(error));
  }
}

function parseRegion(argument: unknown, operator: string): Region {
  if (!isPlainObject(argument)) throw badValue("geometry must be an object");
  const { name, value } = onlyShape(argument, operator);
  const items = Array.isArray(value) ? value : Object.values(value as object);
  try {
    switch (name) {
      case "$geometry": {
        const geometry = queryGeometry(value);
        if (!geometry.polygons.length || geometry.points.length || geometry.lines.length) {
          throw badValue(`$within not supported with provided geometry: { ${operator}: ${showValue(argument)} }`);
        }
        return { kind: "polygons", polygons: geometry.polygons };
      }
      case "$centerSphere":
      case "$center": {
        const center = flatPoint(items[0], false);
        if (!isNumeric(items[1]) || !(toNumber(items[1]) >= 0)) throw badValue("radius must be a non-negative number");
        if (items.length > 2) throw badValue("Only 2 fields allowed for circular region");
        if (name === "$center") return { kind: "circle", x: center.x, y: center.y, radius: toNumber(items[1]) };
        return { kind: "cap", center: sphericalPoint(center.x, center.y).v, radius: toNumber(items[1]) };
      }
      case "$box": {
        const [a, b] = [flatPoint(items[0], false), flatPoint(items[1], false)];
        return { kind: "box", minX: Math.min(a.x, b.x), maxX: Math.max(a.x, b.x), minY: Math.min(a.y, b.y), maxY: Math.max(a.y, b.y) };
      }
    }
    const ring = items.map((item) => flatPoint(item, false));
    if (ring.length < 3) throw badValue("Polygon must have at least 3 points");
    return { kind: "flatPolygon", ring: ring.map(({ x, y }) => [x, y] as const) };
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw badValue(reason(error));
  }
}

