/**
 * A 2dsphere index: the geometry of each document's geo fields, refused as the server refuses it
 * (16755 "Can't extract geo keys"), bucketed in a three-level grid of latitude/longitude cells
 * (10°, 0.5°, 0.025°). `nearest` walks it outwards from a point, opening cells in order of the
 * least distance each allows, so `$near` and `$geoNear` see documents in order of distance and
 * stop at `$maxDistance` without a scan.
 * Like a 2dsphere index of version 2 or 3, it leaves out documents without the field (or null).
 */
import { CommandError } from "../errors.ts";
import { nearDistance, type NearQuery } from "../query/geo.ts";
import { GeoParseError, parseStoredGeometry, showValue, type Geometry } from "../query/geo-shapes.ts";
import { angleBetween, EARTH_RADIUS_METERS, toVector, type Vec } from "../query/geo-sphere.ts";
import { valuesAtPath, type Doc } from "../query/paths.ts";
import type { IndexSpec } from "./index-store.ts";
import { MinHeap } from "./min-heap.ts";

/** One geometry of one document under one field: what the index holds. */
interface Entry {
  docKey: string;
  field: string;
  value: unknown;
  geometry: Geometry;
  /** The cell of a point at each level; none for a geometry that is not one point (always measured). */
  cells?: number[];
}

/** Cell sizes in degrees, coarse to fine; each divides 180 and the next. */
const LEVELS = [10, 0.5, 0.025];

interface Cell {
  id: number;
  level: number;
  children: Map<number, Cell>;
  entries: Set<Entry>;
}

const cellOf = (lng: number, lat: number, size: number): number =>
  Math.min(Math.floor((lat + 90) / size), Math.round(180 / size) - 1) * Math.round(360 / size) + Math.min(Math.floor((lng + 180) / size), Math.round(360 / size) - 1);

/**
 * The least angular distance from `from` to any point of a cell: the distance to its centre less
 * the distance from the centre to its farthest point, which is a corner.
 */
function leastDistance(from: Vec, cell: Cell): number {
  const size = LEVELS[cell.level];
  const columns = Math.round(360 / size);
  const south = Math.floor(cell.id / columns) * size - 90;
  const west = (cell.id % columns) * size - 180;
  const center = toVector(west + size / 2, south + size / 2);
  const corners = [[west, south], [west + size, south], [west, south + size], [west + size, south + size]];
  const radius = Math.max(...corners.map(([lng, lat]) => angleBetween(center, toVector(lng, lat)))) * 1.0001;
  return Math.max(0, angleBetween(from, center) - radius);
}

export interface NearHit {
  docKey: string;
  /** In the near query's units (metres or radians). */
  distance: number;
  /** The stored location that was nearest (for `$geoNear`'s `includeLocs`). */
  location: unknown;
}

export class GeoIndex {
  readonly fields: string[];
  private readonly byDoc = new Map<string, Entry[]>();
  /** Per field: the coarsest cells (each holding finer ones), and the geometries that are not a point. */
  private readonly grids = new Map<string, { cells: Map<number, Cell>; wide: Set<Entry> }>();

  constructor(spec: IndexSpec) {
    this.fields = Object.entries(spec.key).filter(([, type]) => type === "2dsphere").map(([field]) => field);
    for (const field of this.fields) this.grids.set(field, { cells: new Map(), wide: new Set() });
  }

  /** The document's geometries, one key per geometry; throws 16755 for a value that is not one. */
  keysFor(doc: Doc): unknown[][] {
    const keys: unknown[][] = [];
    for (const field of this.fields) {
      for (const value of valuesAtPath(doc, field)) {
        if (value === undefined || value === null) continue;
        // An array of geometries (not a coordinate pair) holds one location per element.
        const elements = Array.isArray(value) && value.length > 0 && typeof value[0] === "object" && value[0] !== null ? value : [value];
        for (const element of elements) keys.push([{ field, value: element, geometry: this.parse(doc, field, element) }]);
      }
    }
    return keys;
  }

  private parse(doc: Doc, field: string, value: unknown): Geometry {
    try {
      return parseStoredGeometry(value, field);
    } catch (error) {
      if (!(error instanceof GeoParseError)) throw error;
      throw new CommandError(16755, `Can't extract geo keys: ${showValue(doc)}  ${error.message}`);
    }
  }

  add(docKey: string, keys: unknown[][]): void {
    const entries = keys.map(([key]): Entry => {
      const { field, value, geometry } = key as Pick<Entry, "field" | "value" | "geometry">;
      const point = geometry.points.length === 1 && !geometry.lines.length && !geometry.polygons.length ? geometry.points[0] : undefined;
      return { docKey, field, value, geometry, cells: point && LEVELS.map((size) => cellOf(point.lng, point.lat, size)) };
    });
    this.byDoc.set(docKey, entries);
    for (const entry of entries) {
      const grid = this.grids.get(entry.field)!;
      if (!entry.cells) {
        grid.wide.add(entry);
        continue;
      }
      let cells = grid.cells;
      let cell: Cell | undefined;
      for (const [level, id] of entry.cells.entries()) {
        cell = cells.get(id);
        if (!cell) cells.set(id, (cell = { id, level, children: new Map(), entries: new Set() }));
        cells = cell.children;
      }
      cell!.entries.add(entry);
    }
  }

  remove(docKey: string): void {
    for (const entry of this.byDoc.get(docKey) ?? []) {
      const grid = this.grids.get(entry.field)!;
      if (!entry.cells) {
        grid.wide.delete(entry);
        continue;
      }
      const path: Array<[Map<number, Cell>, Cell]> = [];
      let cells = grid.cells;
      for (const id of entry.cells) {
        const cell = cells.get(id);
        if (!cell) break;
        path.push([cells, cell]);
        cells = cell.children;
      }
      path[path.length - 1]?.[1].entries.delete(entry);
      // Empty cells go, finest first, so walks never open them.
      for (const [parent, cell] of path.reverse()) if (!cell.entries.size && !cell.children.size) parent.delete(cell.id);
    }
    this.byDoc.delete(docKey);
  }

  clear(): void {
    this.byDoc.clear();
    for (const grid of this.grids.values()) {
      grid.cells.clear();
      grid.wide.clear();
    }
  }

  get entryCount(): number {
    let count = 0;
    for (const entries of this.byDoc.values()) count += entries.length;
    return count;
  }

  /**
   * Documents by increasing distance from the query's centre, within its bounds, each once (at
   * its nearest geometry). Cells open in order of the least distance they allow.
   */
  *nearest(field: string, near: NearQuery): Generator<NearHit> {
    const grid = this.grids.get(field);
    const from = near.center?.v;
    if (!grid || !from) return;
    const toUnits = near.units === "meters" ? EARTH_RADIUS_METERS : 1;
    const heap = new MinHeap<{ cell?: Cell; entry?: Entry }>();
    for (const entry of grid.wide) heap.push(nearDistance(near, entry.geometry), { entry });
    for (const cell of grid.cells.values()) heap.push(leastDistance(from, cell) * toUnits, { cell });
    const seen = new Set<string>();
    while (heap.size) {
      const [distance, item] = heap.pop()!;
      if (distance > near.max) return;
      if (item.cell) {
        for (const entry of item.cell.entries) heap.push(nearDistance(near, entry.geometry), { entry });
        for (const child of item.cell.children.values()) heap.push(leastDistance(from, child) * toUnits, { cell: child });
      } else if (item.entry && !seen.has(item.entry.docKey)) {
        seen.add(item.entry.docKey);
        if (distance >= near.min) yield { docKey: item.entry.docKey, distance, location: item.entry.value };
      }
    }
  }
}
