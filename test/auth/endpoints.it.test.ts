/**
 * The auth endpoints every system shares (API.md "Auth": POST /{system}/auth/register, login,
 * refresh, logout; GET /{system}/auth/me) over real HTTP, the same scenarios for each of the five
 * systems, one table row a system naming what differs: the registration's profile fields, the
 * defaults it answers, the role its tokens carry, the bcrypt cost, the accounts collection, the
 * document's last-login and active fields, and how five failed logins are answered.
 *
 * Register answers a session without the password hash; a taken email is a 409 naming `email`;
 * a bad email, a short password, a self-assigned role and server-managed fields get one detail
 * each. Login takes the email in any case, and a wrong password and an unknown email get the same
 * 401; refresh rotates and a replayed refresh token revokes the family; logout ends the session;
 * a deactivated account is refused; five failed logins block even the right password; a token is
 * accepted by its own system's `me` only. What only one system does is in its own file.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ipKey } from "#core/auth/login-guard.ts";
import { verifyAccessToken } from "#core/auth/tokens.ts";
import { rateLimitKey } from "#core/cache/rate-limit.ts";
import { redis } from "#core/cache/redis.ts";
import { database } from "#core/db/client.ts";
import { collectionsOf } from "#core/db/registry.ts";
import { syncCollections } from "#core/db/sync.ts";
import { SYSTEM_SLUGS, type SystemSlug } from "#core/systems.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { routes } from "../../functions/routes.ts";

type Json = Record<string, any>;

interface SystemAuth {
  system: SystemSlug;
  /** The collection its accounts live in. */
  accounts: "users" | "agents";
  /** The profile fields its registration needs; a fresh set each call (DelAuto's phone is unique too). */
  profile: () => Json;
  /** What a registration answers besides the email and the profile it was sent: the role, defaults. */
  defaults: Json;
  /** The role the tokens of a registered account carry. */
  role: string;
  /** The bcrypt cost of the stored hash. */
  cost: number;
  /** Fields the server manages, which a registration may not set (besides the role). */
  serverManaged: Json;
  /** Where the document records the last login, if it does. */
  lastLogin?: string;
  /** The document's active flag, if it has one. */
  active?: string;
  /** How a login is answered once five have failed: the login guard's 429, or Car Sales' lock. */
  blocked: { status: 423 | 429; code: "LOCKED" | "RATE_LIMITED" };
  /** Whether a registration takes an email with spaces around it (login trims it everywhere). */
}

const carSalesProfile = { firstName: "Ada", lastName: "Lovelace", phone: "+1 (555) 010-2030", dealership: "North Motors" };
const newPhone = () => `+1${String(randomBytes(4).readUInt32BE()).padStart(10, "0")}`;

const SYSTEMS: SystemAuth[] = [
  {
    system: "car-sales",
    accounts: "users",
    profile: () => ({ profile: carSalesProfile }),
    defaults: {
      role: "salesperson",
      profile: { ...carSalesProfile, avatar: null },
      preferences: { language: "en", theme: "light", notifications: { email: true, push: true, sms: false }, timezone: "UTC" },
      subscription: { plan: "free", features: [] },
      isActive: true,
      loginAttempts: 0,
    },
    role: "salesperson",
    cost: 12,
    serverManaged: { subscription: { plan: "enterprise" } },
    lastLogin: "lastLogin",
    active: "isActive",
    blocked: { status: 423, code: "LOCKED" },
  },
  {
    system: "delauto",
    accounts: "agents",
    profile: () => ({ phone: newPhone(), name: "Agent Smith" }),
    defaults: { role: "agent", is_active: true, login_count: 0 },
    role: "agent",
    cost: 10,
    serverManaged: { login_count: 9 },
    lastLogin: "last_login",
    active: "is_active",
    blocked: { status: 429, code: "RATE_LIMITED" },
  },
  {
    system: "sales-automation",
    accounts: "users",
    profile: () => ({ businessInfo: { businessName: "Acme", ownerName: "Ada" } }),
    defaults: { role: "user", onboardingCompleted: false, businessInfo: { businessName: "Acme", ownerName: "Ada", documents: [] }, globalAI: { trained: false } },
    role: "user",
    cost: 10,
    serverManaged: { integrations: { facebook: { connected: true, pageAccessToken: "x" } }, globalAI: { trained: true } },
    // The document keeps no active flag and no login time.
    blocked: { status: 429, code: "RATE_LIMITED" },
  },
  {
    system: "automedia",
    accounts: "users",
    profile: () => ({ profile: { firstName: "Ada" } }),
    // The document has no role field: every account signs in as `user`.
    defaults: { isActive: true },
    role: "user",
    cost: 10,
    serverManaged: { isVerified: true },
    active: "isActive",
    blocked: { status: 429, code: "RATE_LIMITED" },
  },
  {
    system: "ai-calling",
    accounts: "users",
    profile: () => ({ name: "Ada" }),
    defaults: { role: "user", credits: 0, isActive: true },
    role: "user",
    cost: 10,
    serverManaged: { credits: 100 },
    lastLogin: "lastLoginAt",
    active: "isActive",
    blocked: { status: 429, code: "RATE_LIMITED" },
  },
];

const IP = "127.0.0.1";
const PASSWORD = "correct horse battery";
const newEmail = () => `User.${randomBytes(4).toString("hex")}@Example.com`;

let server: LocalHttpServer;

beforeAll(async () => {
  for (const system of SYSTEM_SLUGS) await syncCollections({ db: database(system), definitions: collectionsOf(system) });
  server = await startHttpServer({ routes, port: 0 });
});

afterAll(async () => {
  await server.stop();
});

const post = async (system: SystemSlug, path: string, body: unknown) => {
  const response = await fetch(`${server.url}/${system}/auth/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (response.status === 204 ? undefined : await response.json()) as Json };
};
const me = async (system: SystemSlug, token: string) => {
  const response = await fetch(`${server.url}/${system}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json };
};

describe.each(SYSTEMS)("$system", (row) => {
  const auth = (path: string, body: unknown) => post(row.system, path, body);
  const register = (email: string) => auth("register", { email, password: PASSWORD, ...row.profile() });
  const stored = (email: string) => database(row.system).collection(row.accounts).findOne({ email: email.toLowerCase() });

  // Every test signs in from 127.0.0.1, as the system's own file does at the same time: each starts
  // below the per-IP limits (tested in login-guard and rate-limit).
  beforeEach(async () => {
    await redis().del(ipKey(row.system, IP), ...["auth:register", "auth:login", "auth:refresh"].map((endpoint) => rateLimitKey(row.system, endpoint, IP)));
  });

  describe("register", () => {
    it("creates the account and answers a session without the password, the hash stored at the system's bcrypt cost", async () => {
      const email = newEmail();
      const profile = row.profile();

      const { status, body } = await auth("register", { email, password: PASSWORD, ...profile });

      expect(status).toBe(201);
      expect(body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
      expect(body.user).toMatchObject({ ...profile, email: email.toLowerCase(), ...row.defaults });
      expect(body.user).not.toHaveProperty("password");
      expect(await verifyAccessToken(body.accessToken, row.system)).toMatchObject({ system: row.system, userId: body.user._id, role: row.role });
      expect((await stored(email))!.password).toMatch(new RegExp(`^\\$2b\\$${row.cost}\\$`));
    });

    it("stores the email trimmed and lowercased", async () => {
      const email = newEmail();

      const { status, body } = await register(`  ${email} `);

      expect(status).toBe(201);
      expect(body.user.email).toBe(email.toLowerCase());
      expect(await stored(email)).not.toBeNull();
    });

    it("answers 409 naming email when the address is taken, whatever its case", async () => {
      const email = newEmail();
      await register(email);

      const { status, body } = await register(email.toUpperCase());

      expect(status).toBe(409);
      expect(body.error.details[0].path).toBe("email");
    });

    it("refuses a bad email, a short password, a self-assigned role and server-managed fields with one detail each", async () => {
      const { status, body } = await auth("register", { ...row.profile(), email: "not-an-email", password: "short", role: "admin", ...row.serverManaged });

      expect(status).toBe(400);
      expect(body.error.details.map((detail: Json) => detail.path).sort()).toEqual(["email", "password", "role", ...Object.keys(row.serverManaged)].sort());
    });
  });

  describe("login, me, refresh, logout", () => {
    const email = newEmail();

    beforeAll(async () => {
      expect((await register(email)).status).toBe(201);
    });

    it("signs in with the email in any case, and me answers the user without the password", async () => {
      const started = Date.now();

      const { status, body } = await auth("login", { email: email.toUpperCase(), password: PASSWORD });
      const profile = await me(row.system, body.accessToken);

      expect(status).toBe(200);
      expect(body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
      expect(body.user).toMatchObject({ email: email.toLowerCase() });
      expect(body.user).not.toHaveProperty("password");
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({ _id: body.user._id, email: email.toLowerCase() });
      expect(profile.body).not.toHaveProperty("password");
      if (row.lastLogin) {
        expect((await stored(email))![row.lastLogin].getTime()).toBeGreaterThanOrEqual(started - 1000);
        expect(Date.parse(profile.body[row.lastLogin])).toBeGreaterThanOrEqual(started - 1000);
      }
    });

    it("gives the same 401 for a wrong password and an unknown email", async () => {
      const wrong = await auth("login", { email, password: "wrong password!" });
      const unknown = await auth("login", { email: newEmail(), password: PASSWORD });

      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.error.message).toBe(unknown.body.error.message);
    });

    it("wants exactly one of email and phone", async () => {
      const both = await auth("login", { email, phone: newPhone(), password: PASSWORD });
      const neither = await auth("login", { password: PASSWORD });

      expect(both.status).toBe(400);
      expect(neither.status).toBe(400);
      expect(both.body.error.details[0].path).toBe("email");
    });

    it("rotates refresh tokens, and a replayed one revokes the whole session", async () => {
      const first = (await auth("login", { email, password: PASSWORD })).body;

      const second = await auth("refresh", { refreshToken: first.refreshToken });
      const replay = await auth("refresh", { refreshToken: first.refreshToken });
      const afterReplay = await auth("refresh", { refreshToken: second.body.refreshToken });

      expect(second.status).toBe(200);
      expect(second.body.refreshToken).not.toBe(first.refreshToken);
      expect(second.body.user).toMatchObject({ email: email.toLowerCase() });
      expect(second.body.user).not.toHaveProperty("password");
      expect(replay.status).toBe(401);
      expect(afterReplay.status).toBe(401);
      expect((await me(row.system, second.body.accessToken)).status).toBe(401);
    });

    it("ends the session on logout, access token included, whether its refresh token is the first or a rotated one", async () => {
      const session = (await auth("login", { email, password: PASSWORD })).body;
      const rotated = (await auth("refresh", { refreshToken: (await auth("login", { email, password: PASSWORD })).body.refreshToken })).body;

      const out = await auth("logout", { refreshToken: session.refreshToken });
      const outRotated = await auth("logout", { refreshToken: rotated.refreshToken });

      expect(out.status).toBe(204);
      expect(outRotated.status).toBe(204);
      expect((await auth("refresh", { refreshToken: session.refreshToken })).status).toBe(401);
      expect((await auth("refresh", { refreshToken: rotated.refreshToken })).status).toBe(401);
      expect((await me(row.system, session.accessToken)).status).toBe(401);
      expect((await me(row.system, rotated.accessToken)).status).toBe(401);
    });

    it("has its access token accepted by its own me and refused by every other system's (401)", async () => {
      const session = (await auth("login", { email, password: PASSWORD })).body;

      const own = await me(row.system, session.accessToken);
      const others = await Promise.all(SYSTEM_SLUGS.filter((system) => system !== row.system).map(async (system) => [system, (await me(system, session.accessToken)).status]));

      expect(own.status).toBe(200);
      expect(Object.fromEntries(others)).toEqual(Object.fromEntries(others.map(([system]) => [system, 401])));
    });
  });

  if (row.active) {
    const active = row.active;
    it("refuses a deactivated account: its login, and the refresh and me of a session it had", async () => {
      const email = newEmail();
      const session = (await register(email)).body;
      await database(row.system).collection(row.accounts).updateOne({ email: email.toLowerCase() }, { $set: { [active]: false } });

      const login = await auth("login", { email, password: PASSWORD });
      const refreshed = await auth("refresh", { refreshToken: session.refreshToken });
      const profile = await me(row.system, session.accessToken);

      expect(login.status).toBe(401);
      expect(refreshed.status).toBe(401);
      expect(profile.status).toBe(401);
    });
  }

  it(`refuses even the right password after five failed logins: ${row.blocked.status} with Retry-After`, async () => {
    const email = newEmail();
    await register(email);
    const failures = [];
    for (let i = 0; i < 5; i++) failures.push((await auth("login", { email, password: `guess-${i}-wrong` })).status);

    const blocked = await auth("login", { email, password: PASSWORD });

    expect(failures).toEqual([401, 401, 401, 401, 401]);
    expect(blocked.status).toBe(row.blocked.status);
    expect(blocked.body.error.code).toBe(row.blocked.code);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
