import { http } from "#core/http/pipeline.ts";
import { apiDocument } from "#core/http/api-document.ts";
import { routes } from "../routes.ts";
import { getOpenApi } from "./routes.ts";

export const handler = http(getOpenApi, async () => apiDocument(routes));
