/**
 * The route manifest: every HTTP endpoint of the platform, one entry each (method, path, handler,
 * auth, request schemas). SST's routes, the local server, the OpenAPI document and the wiring
 * tests all read this list. Each system keeps its entries in `functions/<system>/routes.ts`.
 */
import type { RouteDefinition } from "#core/http/route.ts";
import { aiCallingRoutes } from "./ai-calling/routes.ts";
import { automediaRoutes } from "./automedia/routes.ts";
import { carSalesRoutes } from "./car-sales/routes.ts";
import { delautoRoutes } from "./delauto/routes.ts";
import { platformRoutes } from "./platform/routes.ts";
import { salesAutomationRoutes } from "./sales-automation/routes.ts";

export const routes: RouteDefinition[] = [...platformRoutes, ...carSalesRoutes, ...aiCallingRoutes, ...delautoRoutes, ...salesAutomationRoutes, ...automediaRoutes] as RouteDefinition[];
