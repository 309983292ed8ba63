/**
 * Routes of the AI Sales Automation OS (`/sales-automation`): its auth endpoints (API.md), from the shared auth manifest.
 */
import { accounts } from "#core/sales-automation/accounts.ts";
import { authRoutes } from "#core/auth/auth-routes.ts";

export const { register, login, refresh, logout, me } = authRoutes(accounts);

export const salesAutomationRoutes = [register, login, refresh, logout, me];
