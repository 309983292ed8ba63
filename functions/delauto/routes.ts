/**
 * Routes of the DelAuto (`/delauto`): its auth endpoints (API.md), from the shared auth manifest.
 */
import { accounts } from "#core/delauto/accounts.ts";
import { authRoutes } from "#core/auth/auth-routes.ts";

export const { register, login, refresh, logout, me } = authRoutes(accounts);

export const delautoRoutes = [register, login, refresh, logout, me];
