/**
 * Routes of the Car Sales AI Assistant (`/car-sales`): its auth endpoints (API.md), from the shared auth manifest.
 */
import { accounts } from "#core/car-sales/accounts.ts";
import { authRoutes } from "#core/auth/auth-routes.ts";

export const { register, login, refresh, logout, me } = authRoutes(accounts);

export const carSalesRoutes = [register, login, refresh, logout, me];
