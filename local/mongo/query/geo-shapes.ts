/**
 * Reading geometries as the server's GeoParser does: GeoJSON (Point, LineString, Polygon, the
 * Multi* types and GeometryCollection) and legacy coordinate pairs (`[x, y]`, `{ x, y }`), with
 * its checks and messages (out-of-bounds coordinates, open or self-crossing loops, …). A geometry
 * becomes flat lists of points, lines and polygons of unit vectors (see `geo-sphere.ts`).
 */
import { bsonTypeOf, isNumeric, isPlainObject, toNumber } from "../bson-values.ts";
import { centroidOf, gnomonic, ringPosition, segmentsCross, toVector, type Flat, type Vec } from "./geo-sphere.ts";

export interface GeoPoint {
  readonly lng: number;
  readonly lat: number;
  readonly v: Vec;
}

export interface Geometry {
  readonly points: GeoPoint[];
  readonly lines: GeoPoint[][];
  /** Each polygon: its exterior ring, then its holes, each without the repeated closing vertex. */
  readonly polygons: GeoPoint[][][];
  /** A legacy coordinate pair, which the flat shapes ($box, $polygon, $center) also accept. */
  readonly legacy: boolean;
}

/** A value the server would refuse as a geometry; the message is the server's reason. */
export class GeoParseError extends Error {}

const fail = (message: string): never => {
  throw new GeoParseError(message);
};

/** MongoDB's rendering of a BSON value in messages: `{ type: "Point", coordinates: [ 1, 2 ] }`. */
export function showValue(value: unknown): string {
  if (Array.isArray(value)) return value.length ? `[ ${value.map(showValue).join(", ")} ]` : "[]";
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${showValue(v)}`).join(", ")} }` : "{}";
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined || value === null) return "null";
  const hex = (value as { toHexString?: () => string }).toHexString?.();
  if (hex) return `ObjectId('${hex}')`;
  return isNumeric(value) ? String(toNumber(value)) : String(value);
}

const TYPE_NAMES: Record<string, string> = { missing: "missing", bool: "bool", string: "string", null: "null" };

/** The x and y of a legacy pair (array or object); further elements only where `allowExtra`. */
export function flatPoint(value: unknown, allowExtra: boolean): { x: number; y: number } {
  if (!Array.isArray(value) && !isPlainObject(value)) {
    fail(`Point must be an array or object, instead got type ${TYPE_NAMES[bsonTypeOf(value)] ?? bsonTypeOf(value)}`);
  }
  const items = Array.isArray(value) ? value : Object.values(value as object);
  if (!isNumeric(items[0]) || !isNumeric(items[1])) fail("Point must only contain numeric elements");
  if (!allowExtra && items.length > 2) fail("Point must only contain two numeric elements");
  const [x, y] = [toNumber(items[0]), toNumber(items[1])];
  if (!Number.isFinite(x) || !Number.isFinite(y)) fail("Point coordinates must be finite numbers");
  return { x, y };
}

export function sphericalPoint(lng: number, lat: number): GeoPoint {
  if (!(lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90)) fail(`longitude/latitude is out of bounds, lng: ${lng} lat: ${lat}`);
  return { lng, lat, v: toVector(lng, lat) };
}

const empty = (legacy = false): Geometry => ({ points: [], lines: [], polygons: [], legacy });

/** A stored value under a geo-indexed field, or one element a geo query examines. */
export function parseStoredGeometry(value: unknown, field: string): Geometry {
  if (!Array.isArray(value) && !isPlainObject(value)) fail(`geo element must be an array or object: ${field}: ${showValue(value)}`);
  if (isLegacyShaped(value)) {
    const { x, y } = flatPoint(value, true);
    return { ...empty(true), points: [sphericalPoint(x, y)] };
  }
  return parseGeoJson(value as Record<string, unknown>);
}

/** `[x, y]` or `{ lng: x, lat: y }`: an array, or an object whose first value is a number. */
export const isLegacyShaped = (value: unknown): boolean =>
  Array.isArray(value) || (isPlainObject(value) && isNumeric(Object.values(value)[0]));

export function parseGeoJson(obj: Record<string, unknown>): Geometry {
  checkCrs(obj);
  const geometry = empty();
  switch (obj.type) {
    case "Point": {
      const { x, y } = flatPoint(obj.coordinates, true);
      geometry.points.push(sphericalPoint(x, y));
      return geometry;
    }
    case "LineString":
      geometry.lines.push(line(obj.coordinates));
      return geometry;
    case "Polygon":
      geometry.polygons.push(polygon(obj.coordinates));
      return geometry;
    case "MultiPoint":
      geometry.points.push(...coordinates(obj.coordinates));
      if (!geometry.points.length) fail("MultiPoint coordinates must have at least 1 element");
      return geometry;
    case "MultiLineString":
      geometry.lines.push(...parts(obj.coordinates, "MultiLineString").map(line));
      return geometry;
    case "MultiPolygon":
      geometry.polygons.push(...parts(obj.coordinates, "MultiPolygon").map(polygon));
      return geometry;
    case "GeometryCollection":
      return collection(obj.geometries);
  }
  return fail(`unknown GeoJSON type: ${showValue(obj)}`);
}

function checkCrs(obj: Record<string, unknown>): void {
  if (obj.crs === undefined) return;
  const crs = obj.crs as { type?: unknown; properties?: { name?: unknown } };
  if (!isPlainObject(crs)) fail("GeoJSON CRS must be an object");
  if (crs.type !== "name") fail('GeoJSON CRS must have field "type": "name"');
  if (!isPlainObject(crs.properties)) fail('CRS must have field "properties" which is an object');
  const name = crs.properties!.name;
  if (typeof name !== "string") fail('In CRS, "properties.name" must be a string');
  if (name === "urn:ogc:def:crs:OGC:1.3:CRS84" || name === "EPSG:4326") return;
  if (name === "urn:x-mongodb:crs:strictwinding:EPSG:4326") fail("big polygons (the strict winding CRS) are not supported by the local MongoDB stand-in");
  fail(`Unknown CRS name: ${String(name)}`);
}

function parts(value: unknown, type: string): unknown[] {
  if (!Array.isArray(value)) fail(`${type} coordinates must be an array`);
  if (!(value as unknown[]).length) fail(`${type} coordinates must have at least 1 element`);
  return value as unknown[];
}

function coordinates(value: unknown): GeoPoint[] {
  if (!Array.isArray(value)) fail("GeoJSON coordinates must be an array of coordinates");
  return (value as unknown[]).map((coordinate) => {
    if (!Array.isArray(coordinate)) fail("GeoJSON coordinates must be an array");
    const { x, y } = flatPoint(coordinate, true);
    return sphericalPoint(x, y);
  });
}

const samePoint = (a: GeoPoint, b: GeoPoint): boolean => a.lng === b.lng && a.lat === b.lat;

function withoutRepeats(points: GeoPoint[]): GeoPoint[] {
  return points.filter((p, i) => i === 0 || !samePoint(p, points[i - 1]));
}

function line(value: unknown): GeoPoint[] {
  const points = withoutRepeats(coordinates(value));
  if (points.length < 2) fail(`GeoJSON LineString must have at least 2 vertices: ${showValue(value)}`);
  return points;
}

function polygon(value: unknown): GeoPoint[][] {
  if (!Array.isArray(value)) fail("Polygon coordinates must be an array");
  const rings = (value as unknown[]).map((ringValue, index) => {
    const points = coordinates(ringValue);
    if (!points.length) fail(`Loop has no vertices: ${showValue(ringValue)}`);
    if (!samePoint(points[0], points[points.length - 1])) fail(`Loop is not closed: ${showValue(ringValue)}`);
    const ring = withoutRepeats(points).slice(0, -1);
    if (ring.length < 3) fail(`Loop must have at least 3 different vertices: ${showValue(ringValue)}`);
    const problem = loopProblem(ring);
    if (problem) fail(`Loop is not valid: ${showValue(ringValue)} ${problem}`);
    return { ring, index, raw: ringValue };
  });
  if (!rings.length) fail("Polygon has no loops.");
  const project = gnomonic(centroidOf(rings[0].ring.map((p) => p.v)));
  const outer = rings[0].ring.map((p) => project(p.v)).filter((f): f is Flat => f !== undefined);
  for (const { ring, raw } of rings.slice(1)) {
    const contained = ring.every((p) => {
      const flat = project(p.v);
      return flat !== undefined && ringPosition(flat, outer) !== "outside";
    });
    if (!contained) fail(`Secondary loops not contained by first exterior loop - secondary loops must be holes: ${showValue(raw)} first loop: ${showValue((value as unknown[])[0])}`);
  }
  return rings.map((r) => r.ring);
}

/** S2Loop's validity rules that matter in practice: no duplicate vertices, no crossing edges. */
function loopProblem(ring: GeoPoint[]): string | undefined {
  for (let i = 0; i < ring.length; i++) {
    for (let j = i + 1; j < ring.length; j++) if (samePoint(ring[i], ring[j])) return `Duplicate vertices: ${i} and ${j}`;
  }
  const project = gnomonic(centroidOf(ring.map((p) => p.v)));
  const flat = ring.map((p) => project(p.v));
  if (flat.some((f) => f === undefined) || ring.length > 2000) return undefined;
  const at = (i: number) => flat[i % ring.length] as Flat;
  for (let i = 0; i < ring.length; i++) {
    for (let j = i + 2; j < ring.length; j++) {
      if (i === 0 && j === ring.length - 1) continue;
      if (segmentsCross(at(i), at(i + 1), at(j), at(j + 1))) return `Edges ${i} and ${j} cross`;
    }
  }
  return undefined;
}

function collection(value: unknown): Geometry {
  if (!Array.isArray(value)) fail("GeometryCollection geometries must be an array");
  if (!(value as unknown[]).length) fail("GeometryCollection geometries must have at least 1 element");
  const geometry = empty();
  (value as unknown[]).forEach((element, i) => {
    if (!isPlainObject(element)) fail(`Element ${i} of "geometries" is not an object`);
    const type = (element as Record<string, unknown>).type;
    if (type === "GeometryCollection") fail(`GeometryCollections cannot be nested: ${showValue(element)}`);
    if (!["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"].includes(type as string)) fail(`Unknown GeoJSON type: ${showValue(element)}`);
    const part = parseGeoJson(element as Record<string, unknown>);
    geometry.points.push(...part.points);
    geometry.lines.push(...part.lines);
    geometry.polygons.push(...part.polygons);
  });
  return geometry;
}
