/**
 * Geometry on the unit sphere, as the 2dsphere index and the geo operators need it: points as
 * unit vectors, great-circle distances (radians, as S2 measures them), distances to edges, and a
 * gnomonic projection, which maps great circles to straight lines, so that "inside this polygon"
 * and "do these edges cross" become plane geometry around a polygon smaller than a hemisphere.
 */
export type Vec = readonly [number, number, number];
export type Flat = readonly [number, number];

/** The radius the server converts radians to metres with (`kRadiusOfEarthInMeters`). */
export const EARTH_RADIUS_METERS = 6378.1 * 1000;

const RADIANS = Math.PI / 180;

export function toVector(lng: number, lat: number): Vec {
  const phi = lat * RADIANS;
  const lambda = lng * RADIANS;
  return [Math.cos(phi) * Math.cos(lambda), Math.cos(phi) * Math.sin(lambda), Math.sin(phi)];
}

export const dot = (a: Vec, b: Vec): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec, b: Vec): Vec => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const length = (a: Vec): number => Math.hypot(a[0], a[1], a[2]);

export function normalize(a: Vec): Vec {
  const n = length(a);
  return n === 0 ? [0, 0, 0] : [a[0] / n, a[1] / n, a[2] / n];
}

/** The angle between two unit vectors, robust for tiny and near-antipodal angles (as S1Angle). */
export const angleBetween = (a: Vec, b: Vec): number => Math.atan2(length(cross(a, b)), dot(a, b));

/** The angular distance from `p` to the shorter great-circle arc from `a` to `b`. */
export function distanceToArc(p: Vec, a: Vec, b: Vec): number {
  const normal = cross(a, b);
  if (length(normal) < 1e-15) return Math.min(angleBetween(p, a), angleBetween(p, b));
  const n = normalize(normal);
  const offset = dot(p, n);
  const foot: Vec = [p[0] - offset * n[0], p[1] - offset * n[1], p[2] - offset * n[2]];
  // The foot of the perpendicular lies on the arc when it is on the inner side of both ends.
  if (dot(cross(a, foot), n) >= 0 && dot(cross(foot, b), n) >= 0 && length(foot) > 0) return Math.asin(Math.min(1, Math.abs(offset)));
  return Math.min(angleBetween(p, a), angleBetween(p, b));
}

/** The normalized mean of some unit vectors: a point inside any region smaller than a hemisphere. */
export function centroidOf(points: readonly Vec[]): Vec {
  const sum: [number, number, number] = [0, 0, 0];
  for (const p of points) {
    sum[0] += p[0];
    sum[1] += p[1];
    sum[2] += p[2];
  }
  return normalize(sum);
}

/** The gnomonic projection centred on `center`; points in the far hemisphere have no image. */
export function gnomonic(center: Vec): (p: Vec) => Flat | undefined {
  const axis: Vec = Math.abs(center[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const e1 = normalize(cross(axis, center));
  const e2 = cross(center, e1);
  return (p) => {
    const depth = dot(p, center);
    return depth <= 1e-12 ? undefined : [dot(p, e1) / depth, dot(p, e2) / depth];
  };
}

const orientation = (a: Flat, b: Flat, c: Flat): number => (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
const EPSILON = 1e-12;

function onSegment(p: Flat, a: Flat, b: Flat): boolean {
  if (Math.abs(orientation(a, b, p)) > EPSILON * Math.max(1, Math.hypot(b[0] - a[0], b[1] - a[1]))) return false;
  return p[0] >= Math.min(a[0], b[0]) - EPSILON && p[0] <= Math.max(a[0], b[0]) + EPSILON
    && p[1] >= Math.min(a[1], b[1]) - EPSILON && p[1] <= Math.max(a[1], b[1]) + EPSILON;
}

/** Whether segments ab and cd share a point (touching counts). */
export function segmentsMeet(a: Flat, b: Flat, c: Flat, d: Flat): boolean {
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
  return onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d);
}

/** Whether segments ab and cd cross at a point inside both (sharing an end does not count). */
export function segmentsCross(a: Flat, b: Flat, c: Flat, d: Flat): boolean {
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  return ((o1 > EPSILON && o2 < -EPSILON) || (o1 < -EPSILON && o2 > EPSILON)) && ((o3 > EPSILON && o4 < -EPSILON) || (o3 < -EPSILON && o4 > EPSILON));
}

/** Where `p` lies relative to a closed ring (given without its repeated closing vertex). */
export function ringPosition(p: Flat, ring: readonly Flat[]): "inside" | "outside" | "boundary" {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (onSegment(p, a, b)) return "boundary";
    if ((a[1] > p[1]) !== (b[1] > p[1]) && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside ? "inside" : "outside";
}
