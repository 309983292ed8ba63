/**
 * A collection's fields are written once, as a function of the field types, and read three ways:
 *
 *   stored  what MongoDB holds: ObjectId and Date as BSON types (the validator comes from this)
 *   input   what the API accepts: 24-hex ids and ISO 8601 dates, parsed into ObjectId and Date
 *   output  what the API answers: ids and dates as strings (the OpenAPI schemas come from this)
 *
 * Only ids and dates differ between the views; everything else is plain zod, shared by all three.
 */
import { ObjectId } from "mongodb";
import * as z from "zod";

export type View = "stored" | "input" | "output";

export interface FieldTypes {
  view: View;
  /** A MongoDB ObjectId (a reference, or `_id`). */
  objectId(): z.ZodType<ObjectId, unknown>;
  /** A point in time (BSON date), written in the API as ISO 8601 with a zone. */
  date(): z.ZodType<Date, unknown>;
}

/** Zod schemas that stand for a BSON type the JSON Schema vocabulary lacks. */
export const bsonTypes = z.registry<{ bsonType: "objectId" | "date" }>();

const HEX_ID = /^[0-9a-fA-F]{24}$/;

const storedTypes: FieldTypes = {
  view: "stored",
  objectId: () => z.instanceof(ObjectId, { error: "must be an ObjectId" }).register(bsonTypes, { bsonType: "objectId" }),
  date: () => z.date({ error: "must be a date" }).register(bsonTypes, { bsonType: "date" }),
};

const inputTypes: FieldTypes = {
  view: "input",
  objectId: () => z.string().regex(HEX_ID, "must be a 24-character hex id").transform((hex) => ObjectId.createFromHexString(hex)) as unknown as z.ZodType<ObjectId, unknown>,
  date: () => z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: "must be an ISO 8601 date" }).transform((text) => new Date(text)) as unknown as z.ZodType<Date, unknown>,
};

const outputTypes: FieldTypes = {
  view: "output",
  objectId: () => z.string().regex(HEX_ID) as unknown as z.ZodType<ObjectId, unknown>,
  date: () => z.iso.datetime({ offset: true }) as unknown as z.ZodType<Date, unknown>,
};

export const FIELD_TYPES: Record<View, FieldTypes> = { stored: storedTypes, input: inputTypes, output: outputTypes };
