/**
 * Geospatial queries through the driver, as MongoDB 8.0 answers them: 2dsphere indexes on
 * GeoJSON points (invalid GeoJSON refused with 16755), `$near`/`$nearSphere` nearest first within
 * `$minDistance`/`$maxDistance` (metres around GeoJSON, radians around legacy pairs) and only with
 * the index, `$geoWithin`/`$geoIntersects` without one, and the `$geoNear` stage.
 */
import type { Collection, Db, Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { externalMongoUri, startTestMongo, type TestMongo } from "#test/helpers/mongo.ts";

type Place = { _id?: number; name?: string; kind?: string; loc?: unknown; home?: unknown };

const point = (lng: number, lat: number) => ({ type: "Point", coordinates: [lng, lat] });
const EIFFEL = [2.2945, 48.8584] as const;

/** Great-circle distance in metres with the server's earth radius, computed independently (haversine). */
function metres([lng1, lat1]: readonly number[], [lng2, lat2]: readonly number[]): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lng2 - lng1) * rad) / 2) ** 2;
  return 2 * 6378100 * Math.asin(Math.sqrt(h));
}

const PLACES: Place[] = [
  { _id: 1, name: "louvre", kind: "museum", loc: point(2.3376, 48.8606) },
  { _id: 2, name: "notre-dame", kind: "church", loc: point(2.3499, 48.853) },
  { _id: 3, name: "versailles", kind: "museum", loc: point(2.1204, 48.8049) },
  { _id: 4, name: "london", kind: "city", loc: point(-0.1276, 51.5072) },
  { _id: 5, name: "eiffel", kind: "tower", loc: point(...EIFFEL) },
  { _id: 6, name: "nowhere" },
];

let mongo: TestMongo;
let db: Db;
let places: Collection<Place>;
let seq = 0;
const fresh = async (docs: Place[] = PLACES) => {
  const coll = db.collection<Place>(`geo${++seq}`);
  await coll.insertMany(docs.map((doc) => ({ ...doc })));
  return coll;
};
const names = (docs: Document[]) => docs.map((doc) => doc.name);

beforeAll(async () => {
  mongo = await startTestMongo();
  db = mongo.freshDatabase("geo");
  places = await fresh();
  await places.createIndex({ loc: "2dsphere" });
});

afterAll(() => mongo?.close());

describe("2dsphere indexes", () => {
  it("are listed with 2dsphereIndexVersion 3", async () => {
    const indexes = await places.listIndexes().toArray();

    expect(indexes.find((index) => index.name === "loc_2dsphere")).toMatchObject({ key: { loc: "2dsphere" }, "2dsphereIndexVersion": 3 });
  });

  it("refuse a document whose GeoJSON is out of bounds with 16755, and store nothing", async () => {
    const insert = places.insertOne({ _id: 100, loc: point(200, 10) });

    await expect(insert).rejects.toMatchObject({ code: 16755, message: expect.stringMatching(/^Can't extract geo keys: .*longitude\/latitude is out of bounds, lng: 200 lat: 10$/) });
    expect(await places.findOne({ _id: 100 })).toBeNull();
  });

  it("refuse an unknown GeoJSON type and a value that is no geometry", async () => {
    await expect(places.insertOne({ _id: 101, loc: { type: "Pointy", coordinates: [1, 2] } })).rejects.toMatchObject({ code: 16755, message: expect.stringContaining("unknown GeoJSON type") });
    await expect(places.insertOne({ _id: 102, loc: "Paris" })).rejects.toMatchObject({ code: 16755, message: expect.stringContaining("geo element must be an array or object") });
    await expect(places.insertOne({ _id: 103, loc: { type: "Point" } })).rejects.toMatchObject({ code: 16755, message: expect.stringContaining("Point must be an array or object") });
  });

  it("refuse an update that would make the location invalid, keeping the old document", async () => {
    const coll = await fresh();
    await coll.createIndex({ loc: "2dsphere" });

    await expect(coll.updateOne({ _id: 1 }, { $set: { loc: { type: "Polygon", coordinates: [[[0, 0], [1, 1], [1, 0]]] } } })).rejects.toMatchObject({ code: 16755, message: expect.stringContaining("Loop is not closed") });
    expect(await coll.findOne({ _id: 1 })).toMatchObject({ loc: point(2.3376, 48.8606) });
  });

  it("cannot be built over a document with an invalid location (16755)", async () => {
    const coll = await fresh([{ _id: 1, loc: point(10, 95) }]);

    await expect(coll.createIndex({ loc: "2dsphere" })).rejects.toMatchObject({ code: 16755 });
    expect((await coll.listIndexes().toArray()).map((index) => index.name)).toEqual(["_id_"]);
  });

  it("accept documents without the field (and null), as version 2 and later do", async () => {
    await places.insertOne({ _id: 104, name: "null place", loc: null });

    expect(await places.countDocuments({ _id: { $in: [6, 104] } })).toBe(2);
    await places.deleteOne({ _id: 104 });
  });
});

describe("$near and $nearSphere", () => {
  it("fail without a 2dsphere index with NoQueryExecutionPlans 291", async () => {
    const coll = await fresh();

    await expect(coll.find({ loc: { $near: { $geometry: point(...EIFFEL) } } }).toArray()).rejects.toMatchObject({
      code: 291, codeName: "NoQueryExecutionPlans", message: expect.stringContaining("unable to find index for $geoNear query"),
    });
  });

  it("return documents nearest first, within $maxDistance metres", async () => {
    const found = await places.find({ loc: { $near: { $geometry: point(...EIFFEL), $maxDistance: 5000 } } }).toArray();

    expect(names(found)).toEqual(["eiffel", "louvre", "notre-dame"]);
  });

  it("leave out documents nearer than $minDistance", async () => {
    const found = await places.find({ loc: { $near: { $geometry: point(...EIFFEL), $minDistance: 3500, $maxDistance: 20_000 } } }).toArray();

    expect(names(found)).toEqual(["notre-dame", "versailles"]);
  });

  it("combine with other conditions and a limit", async () => {
    const found = await places.find({ kind: "museum", loc: { $nearSphere: { $geometry: point(...EIFFEL) } } }).limit(1).toArray();

    expect(names(found)).toEqual(["louvre"]);
  });

  it("measure $maxDistance in radians around a legacy pair under $nearSphere", async () => {
    const found = await places.find({ loc: { $nearSphere: [...EIFFEL], $maxDistance: 4000 / 6378100 } }).toArray();

    expect(names(found)).toEqual(["eiffel", "louvre"]);
  });

  it("need a 2d index around a legacy pair under $near (291 with only a 2dsphere index)", async () => {
    await expect(places.find({ loc: { $near: [...EIFFEL] } }).toArray()).rejects.toMatchObject({ code: 291 });
  });

  it("reject a negative $maxDistance with BadValue 2", async () => {
    await expect(places.find({ loc: { $near: { $geometry: point(...EIFFEL), $maxDistance: -1 } } }).toArray()).rejects.toMatchObject({ code: 2, message: "$maxDistance must be non-negative" });
  });

  it("are refused inside $or (BadValue 2) and in a count, which is an aggregation (5626500)", async () => {
    const near = { loc: { $near: { $geometry: point(...EIFFEL) } } };

    await expect(places.find({ $or: [near, { kind: "city" }] }).toArray()).rejects.toMatchObject({ code: 2, message: "geoNear must be top-level expr" });
    await expect(places.countDocuments(near)).rejects.toMatchObject({ code: 5626500 });
  });

  it("select the nearest document for updateOne", async () => {
    const coll = await fresh();
    await coll.createIndex({ loc: "2dsphere" });

    await coll.updateOne({ loc: { $near: { $geometry: point(2.33, 48.86) } } }, { $set: { nearest: true } });

    expect(names(await coll.find({ nearest: true }).toArray())).toEqual(["louvre"]);
  });
});

describe.skipIf(Boolean(externalMongoUri()))("$near on the stand-in", () => {
  it("walks the index by distance: a close $maxDistance examines only the documents inside it", async () => {
    const coll = await fresh(Array.from({ length: 2000 }, (_, i) => ({ _id: i, loc: point(-170 + (i % 100) * 3, -60 + Math.floor(i / 100) * 6) })));
    await coll.createIndex({ loc: "2dsphere" });
    const admin = db.admin();
    const before = (await admin.serverStatus()).metrics.queryExecutor.scannedObjects as number;

    const found = await coll.find({ loc: { $near: { $geometry: point(-170, -60), $maxDistance: 100_000 } } }).toArray();

    const scanned = ((await admin.serverStatus()).metrics.queryExecutor.scannedObjects as number) - before;
    expect(found.map((doc) => doc._id)).toEqual([0]);
    expect(scanned).toBe(1);
  });
});

describe("$geoWithin and $geoIntersects", () => {
  const paris = { type: "Polygon", coordinates: [[[2.25, 48.81], [2.42, 48.81], [2.42, 48.91], [2.25, 48.91], [2.25, 48.81]]] };

  it("find points inside a $centerSphere without any index", async () => {
    const coll = await fresh();

    const found = await coll.find({ loc: { $geoWithin: { $centerSphere: [[...EIFFEL], 4000 / 6378100] } } }).sort({ _id: 1 }).toArray();

    expect(names(found)).toEqual(["louvre", "eiffel"]);
  });

  it("find points inside a GeoJSON polygon", async () => {
    const found = await places.find({ loc: { $geoWithin: { $geometry: paris } } }).sort({ _id: 1 }).toArray();

    expect(names(found)).toEqual(["louvre", "notre-dame", "eiffel"]);
  });

  it("find the points a polygon intersects, and the polygons a point lies in", async () => {
    const areas = await fresh([{ _id: 1, name: "paris", loc: paris }, { _id: 2, name: "elsewhere", loc: point(10, 10) }]);

    expect(names(await places.find({ loc: { $geoIntersects: { $geometry: paris } } }).sort({ _id: 1 }).toArray())).toEqual(["louvre", "notre-dame", "eiffel"]);
    expect(names(await areas.find({ loc: { $geoIntersects: { $geometry: point(...EIFFEL) } } }).toArray())).toEqual(["paris"]);
  });

  it("find legacy pairs inside a flat $box", async () => {
    const coll = await fresh([{ _id: 1, name: "in", loc: [5, 5] }, { _id: 2, name: "out", loc: [15, 5] }]);

    expect(names(await coll.find({ loc: { $geoWithin: { $box: [[0, 0], [10, 10]] } } }).toArray())).toEqual(["in"]);
  });

  it("reject a $geoWithin geometry that encloses nothing (BadValue 2)", async () => {
    const line = { type: "LineString", coordinates: [[0, 0], [1, 1]] };

    await expect(places.find({ loc: { $geoWithin: { $geometry: line } } }).toArray()).rejects.toMatchObject({ code: 2, message: expect.stringContaining("$within not supported with provided geometry") });
  });
});

describe("$geoNear", () => {
  it("adds distanceField in metres, nearest first, filtered by query, with includeLocs", async () => {
    const results = await places.aggregate([
      { $geoNear: { near: point(...EIFFEL), distanceField: "dist.metres", query: { kind: "museum" }, includeLocs: "at" } },
    ]).toArray();

    expect(names(results)).toEqual(["louvre", "versailles"]);
    expect(results[0].dist.metres).toBeCloseTo(metres(EIFFEL, [2.3376, 48.8606]), 0);
    expect(results[1].dist.metres).toBeCloseTo(metres(EIFFEL, [2.1204, 48.8049]), 0);
    expect(results[0].at).toEqual(point(2.3376, 48.8606));
  });

  it("applies maxDistance before distanceMultiplier, which scales the reported distance", async () => {
    const results = await places.aggregate([
      { $geoNear: { near: point(...EIFFEL), distanceField: "km", maxDistance: 3500, distanceMultiplier: 0.001 } },
      { $project: { _id: 0, name: 1, km: 1 } },
    ]).toArray();

    expect(names(results)).toEqual(["eiffel", "louvre"]);
    expect(results[1].km).toBeCloseTo(metres(EIFFEL, [2.3376, 48.8606]) / 1000, 3);
  });

  it("must be the first stage (40602)", async () => {
    await expect(places.aggregate([{ $match: {} }, { $geoNear: { near: point(...EIFFEL), distanceField: "d" } }]).toArray()).rejects.toMatchObject({ code: 40602 });
  });

  it("needs a geo index (IndexNotFound 27) and a distanceField (16606)", async () => {
    const coll = await fresh();

    await expect(coll.aggregate([{ $geoNear: { near: point(...EIFFEL), distanceField: "d" } }]).toArray()).rejects.toMatchObject({
      code: 27, message: "$geoNear requires a 2d or 2dsphere index, but none were found",
    });
    await expect(places.aggregate([{ $geoNear: { near: point(...EIFFEL) } }]).toArray()).rejects.toMatchObject({ code: 16606 });
  });

  it("needs `key` when the collection has two 2dsphere indexes", async () => {
    const coll = await fresh([{ _id: 1, name: "a", loc: point(0, 0), home: point(1, 1) }]);
    await coll.createIndex({ loc: "2dsphere" });
    await coll.createIndex({ home: "2dsphere" });

    await expect(coll.aggregate([{ $geoNear: { near: point(0, 0), distanceField: "d" } }]).toArray()).rejects.toMatchObject({ code: 27, message: expect.stringContaining("There is more than one 2dsphere index") });
    const [byHome] = await coll.aggregate([{ $geoNear: { near: point(0, 0), distanceField: "d", key: "home" } }]).toArray();
    expect(byHome.d).toBeCloseTo(metres([0, 0], [1, 1]), 0);
  });

  it("refuses the removed `limit` option (50858)", async () => {
    await expect(places.aggregate([{ $geoNear: { near: point(...EIFFEL), distanceField: "d", limit: 2 } }]).toArray()).rejects.toMatchObject({ code: 50858 });
  });
});
