/**
 * Routes of the AutoMedia (`/automedia`): its auth endpoints (API.md), from the shared auth manifest.
 */
import { accounts } from "#core/automedia/accounts.ts";
import { authRoutes } from "#core/auth/auth-routes.ts";

export const { register, login, refresh, logout, me } = authRoutes(accounts);

export const automediaRoutes = [register, login, refresh, logout, me];
