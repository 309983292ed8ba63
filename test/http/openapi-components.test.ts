/** Collection definitions become named OpenAPI components that routes refer to by `$ref`. */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { defineCollection, openApiComponentsOf } from "#core/db/collection.ts";
import { buildOpenApi } from "#core/http/openapi.ts";
import { defineRoute } from "#core/http/route.ts";

const notes = defineCollection({
  system: "automedia",
  name: "notes",
  fields: (t) => ({ _id: t.objectId(), authorId: t.objectId(), text: z.string().min(1), token: z.string().optional(), createdAt: t.date(), updatedAt: t.date() }),
  owner: { field: "authorId" },
  secret: ["token"],
});

const createNote = defineRoute({
  method: "POST",
  path: "/automedia/notes",
  handler: "functions/automedia/notes/create.handler",
  summary: "Create a note",
  tag: "automedia",
  auth: { kind: "public" },
  request: { body: notes.createInput },
  response: { status: 201, description: "The note", schema: notes.output },
});

describe("OpenAPI components from collection definitions", () => {
  const document = buildOpenApi([createNote], { title: "t", version: "1" }, openApiComponentsOf(notes)) as any;

  it("names the output, create and update schemas after system and collection", () => {
    expect(Object.keys(document.components.schemas)).toEqual(["Error", "AutomediaNotes", "AutomediaNotesCreate", "AutomediaNotesUpdate"]);
  });

  it("shows ids and dates as strings and leaves secret fields out of the output", () => {
    const output = document.components.schemas.AutomediaNotes;

    expect(output.properties._id).toMatchObject({ type: "string", pattern: "^[0-9a-fA-F]{24}$" });
    expect(output.properties.createdAt).toMatchObject({ type: "string", format: "date-time" });
    expect(output.properties).not.toHaveProperty("token");
  });

  it("keeps server-managed fields out of the create schema", () => {
    expect(Object.keys(document.components.schemas.AutomediaNotesCreate.properties).sort()).toEqual(["text", "token"]);
  });

  it("refers to the components from the route by $ref", () => {
    const operation = document.paths["/automedia/notes"].post;

    expect(operation.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/AutomediaNotesCreate" });
    expect(operation.responses["201"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/AutomediaNotes" });
  });
});
