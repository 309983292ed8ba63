/**
 * How two geometries relate, on the sphere: the distance from a point to a geometry (zero inside
 * a polygon), whether a geometry lies within a query region, and whether two geometries meet.
 * Polygons are taken, as the server takes them, as the smaller of the two regions their loop
 * bounds; edges are great-circle arcs (tested in a gnomonic projection, where they are straight).
 */
import { angleBetween, centroidOf, distanceToArc, gnomonic, ringPosition, segmentsMeet, type Flat, type Vec } from "./geo-sphere.ts";
import type { GeoPoint, Geometry } from "./geo-shapes.ts";

/** A `$geoWithin` region: spherical polygons, a spherical cap, or one of the flat legacy shapes. */
export type Region =
  | { kind: "polygons"; polygons: GeoPoint[][][] }
  | { kind: "cap"; center: Vec; radius: number }
  | { kind: "box"; minX: number; minY: number; maxX: number; maxY: number }
  | { kind: "flatPolygon"; ring: Flat[] }
  | { kind: "circle"; x: number; y: number; radius: number };

const SAME_POINT = 1e-12;

interface PreparedPolygon {
  project: (v: Vec) => Flat | undefined;
  rings: Flat[][];
}

const preparedPolygons = new WeakMap<GeoPoint[][], PreparedPolygon>();

function prepare(polygon: GeoPoint[][]): PreparedPolygon {
  let prepared = preparedPolygons.get(polygon);
  if (!prepared) {
    const project = gnomonic(centroidOf(polygon[0].map((p) => p.v)));
    const rings = polygon.map((ring) => ring.map((p) => project(p.v)).filter((f): f is Flat => f !== undefined));
    prepared = { project, rings };
    preparedPolygons.set(polygon, prepared);
  }
  return prepared;
}

/** Where a point lies relative to a polygon with holes. */
export function polygonPosition(v: Vec, polygon: GeoPoint[][]): "inside" | "outside" | "boundary" {
  const { project, rings } = prepare(polygon);
  const flat = project(v);
  if (!flat) return "outside";
  const outer = ringPosition(flat, rings[0]);
  if (outer !== "inside") return outer;
  for (const hole of rings.slice(1)) {
    const position = ringPosition(flat, hole);
    if (position === "inside") return "outside";
    if (position === "boundary") return "boundary";
  }
  return "inside";
}

const edgesOf = (ring: GeoPoint[], closed: boolean): Array<[GeoPoint, GeoPoint]> =>
  ring.slice(0, closed ? ring.length : ring.length - 1).map((p, i) => [p, ring[(i + 1) % ring.length]]);

function segmentsOf(g: Geometry): Array<[GeoPoint, GeoPoint]> {
  return [...g.lines.flatMap((line) => edgesOf(line, false)), ...g.polygons.flatMap((polygon) => polygon.flatMap((ring) => edgesOf(ring, true)))];
}

const verticesOf = (g: Geometry): GeoPoint[] => [...g.points, ...g.lines.flat(), ...g.polygons.flatMap((polygon) => polygon.flat())];

/** The angular distance (radians) from `v` to the nearest point of `g`. */
export function distanceTo(v: Vec, g: Geometry): number {
  let best = Number.POSITIVE_INFINITY;
  for (const p of g.points) best = Math.min(best, angleBetween(v, p.v));
  for (const polygon of g.polygons) if (polygonPosition(v, polygon) !== "outside") return 0;
  for (const [a, b] of segmentsOf(g)) best = Math.min(best, distanceToArc(v, a.v, b.v));
  return best;
}

const touchesPoint = (v: Vec, g: Geometry): boolean =>
  g.points.some((p) => angleBetween(v, p.v) < SAME_POINT)
  || g.lines.some((line) => edgesOf(line, false).some(([a, b]) => distanceToArc(v, a.v, b.v) < SAME_POINT))
  || g.polygons.some((polygon) => polygonPosition(v, polygon) !== "outside");

function edgesMeet(a: Array<[GeoPoint, GeoPoint]>, b: Array<[GeoPoint, GeoPoint]>, vertices: GeoPoint[]): boolean {
  if (!a.length || !b.length) return false;
  const project = gnomonic(centroidOf(vertices.map((p) => p.v)));
  const flat = (pair: [GeoPoint, GeoPoint]) => [project(pair[0].v), project(pair[1].v)] as const;
  const flatB = b.map(flat).filter((pair): pair is readonly [Flat, Flat] => pair[0] !== undefined && pair[1] !== undefined);
  return a.some((pair) => {
    const [p, q] = flat(pair);
    return p !== undefined && q !== undefined && flatB.some(([r, s]) => segmentsMeet(p, q, r, s));
  });
}

/** `$geoIntersects`: whether two geometries share at least one point. */
export function intersects(a: Geometry, b: Geometry): boolean {
  if (a.points.some((p) => touchesPoint(p.v, b)) || b.points.some((p) => touchesPoint(p.v, a))) return true;
  const segmentsA = segmentsOf(a);
  const segmentsB = segmentsOf(b);
  if (edgesMeet(segmentsA, segmentsB, [...verticesOf(a), ...verticesOf(b)])) return true;
  const inside = (g: Geometry, v: Vec) => g.polygons.some((polygon) => polygonPosition(v, polygon) !== "outside");
  return verticesOf(a).some((p) => inside(b, p.v)) || verticesOf(b).some((p) => inside(a, p.v));
}

/** `$geoWithin`: whether every part of `g` lies inside the region. */
export function within(g: Geometry, region: Region): boolean {
  const vertices = verticesOf(g);
  if (!vertices.length) return false;
  switch (region.kind) {
    case "cap":
      return vertices.every((p) => angleBetween(p.v, region.center) <= region.radius);
    case "polygons":
      return [...g.points.map((p) => [p]), ...g.lines, ...g.polygons.map((polygon) => polygon[0])].every((part) =>
        region.polygons.some((polygon) => partWithin(part, polygon, g.lines.includes(part))));
  }
  // The flat shapes hold points only; lines and polygons cannot be projected into the plane.
  if (g.lines.length || g.polygons.length) return false;
  return g.points.every(({ lng: x, lat: y }) => {
    if (region.kind === "box") return x >= region.minX && x <= region.maxX && y >= region.minY && y <= region.maxY;
    if (region.kind === "circle") return Math.hypot(x - region.x, y - region.y) <= region.radius;
    return ringPosition([x, y], region.ring) !== "outside";
  });
}

function partWithin(part: GeoPoint[], polygon: GeoPoint[][], open: boolean): boolean {
  if (!part.every((p) => polygonPosition(p.v, polygon) !== "outside")) return false;
  if (part.length < 2) return true;
  const { project, rings } = prepare(polygon);
  const flat = part.map((p) => project(p.v));
  if (flat.some((f) => f === undefined)) return false;
  const edges = edgesOf(part, !open).map(([a, b]) => [project(a.v)!, project(b.v)!] as const);
  // Every vertex is inside; an edge leaving the polygon would have to cross one of its rings.
  return !edges.some(([p, q]) => rings.some((ring) => ring.some((r, i) => {
    const s = ring[(i + 1) % ring.length];
    return crossesProperly(p, q, r, s);
  })));
}

function crossesProperly(p: Flat, q: Flat, r: Flat, s: Flat): boolean {
  const side = (a: Flat, b: Flat, c: Flat) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  return side(p, q, r) * side(p, q, s) < 0 && side(r, s, p) * side(r, s, q) < 0;
}
