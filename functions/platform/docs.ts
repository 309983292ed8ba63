import { renderDocsPage } from "#core/http/docs-page.ts";
import { apiDocument } from "#core/http/api-document.ts";
import { http } from "#core/http/pipeline.ts";
import { html } from "#core/http/response.ts";
import { routes } from "../routes.ts";
import { getDocs } from "./routes.ts";

export const handler = http(getDocs, async () => html(renderDocsPage(apiDocument(routes))));
