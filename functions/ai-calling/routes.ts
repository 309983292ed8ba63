/**
 * Routes of the AI Calling Platform (`/ai-calling`): its auth endpoints (API.md), from the shared auth manifest.
 */
import { accounts } from "#core/ai-calling/accounts.ts";
import { authRoutes } from "#core/auth/auth-routes.ts";

export const { register, login, refresh, logout, me } = authRoutes(accounts);

export const aiCallingRoutes = [register, login, refresh, logout, me];
