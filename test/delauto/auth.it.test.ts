/**
 * DelAuto's auth endpoints over real HTTP (API.md: "DelAuto authenticates its agents"): agents
 * register and sign in by email or by phone; each login sets `last_login` and increments
 * `login_count`; the password hash is never answered; an unknown phone gets the same 401 as a
 * wrong password; a DelAuto token is refused by another system.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collections } from "#core/delauto/collections.ts";
import { database } from "#core/db/client.ts";
import { syncCollections } from "#core/db/sync.ts";
import { startHttpServer, type LocalHttpServer } from "#local/runtime/http-server.ts";
import { routes } from "../../functions/routes.ts";

let server: LocalHttpServer;

beforeAll(async () => {
  await syncCollections({ db: database("delauto"), definitions: collections });
  server = await startHttpServer({ routes, port: 0 });
});

afterAll(async () => {
  await server.stop();
});

type Json = Record<string, any>;
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${server.url}/delauto/auth/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as Json };
};
const me = async (token: string, system = "delauto") => {
  const response = await fetch(`${server.url}/${system}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json };
};
const newEmail = () => `Agent.${randomBytes(4).toString("hex")}@Example.com`;
const newPhone = () => `+1${String(randomBytes(4).readUInt32BE()).padStart(10, "0")}`;
const stored = (email: string) => database("delauto").collection("agents").findOne({ email: email.toLowerCase() });
const PASSWORD = "correct horse battery";

describe("register", () => {
  it("creates the agent and answers a session without the password", async () => {
    const email = newEmail();
    const phone = newPhone();

    const { status, body } = await post("register", { email, phone, password: PASSWORD, name: "Agent Smith" });

    expect(status).toBe(201);
    expect(body).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(body.user).toMatchObject({ email: email.toLowerCase(), phone, name: "Agent Smith", role: "agent", is_active: true, login_count: 0 });
    expect(body.user).not.toHaveProperty("password");
    expect((await stored(email))!.password).toMatch(/^\$2[aby]\$10\$/);
  });

  it("answers 409 naming phone when the phone is taken", async () => {
    const phone = newPhone();
    await post("register", { email: newEmail(), phone, password: PASSWORD, name: "First" });

    const { status, body } = await post("register", { email: newEmail(), phone, password: PASSWORD, name: "Second" });

    expect(status).toBe(409);
    expect(body.error.details[0].path).toBe("phone");
  });

  it("refuses a self-assigned role or login count", async () => {
    const { status, body } = await post("register", { email: newEmail(), phone: newPhone(), password: PASSWORD, name: "Sneaky", role: "admin", login_count: 9 });

    expect(status).toBe(400);
    expect(body.error.details.map((detail: Json) => detail.path).sort()).toEqual(["login_count", "role"]);
  });
});

describe("login by email or phone", () => {
  const email = newEmail();
  const phone = newPhone();

  beforeAll(async () => {
    await post("register", { email, phone, password: PASSWORD, name: "Grace" });
  });

  it("signs in by email and by phone, setting last_login and counting each login", async () => {
    const before = Date.now();

    const byEmail = await post("login", { email: email.toUpperCase(), password: PASSWORD });
    const afterEmail = await stored(email);
    const byPhone = await post("login", { phone: ` ${phone} `, password: PASSWORD });
    const afterPhone = await stored(email);

    expect(byEmail.status).toBe(200);
    expect(byPhone.status).toBe(200);
    expect(afterEmail!.login_count).toBe(1);
    expect(afterPhone!.login_count).toBe(2);
    expect(afterEmail!.last_login.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(afterPhone!.last_login.getTime()).toBeGreaterThanOrEqual(afterEmail!.last_login.getTime());
    expect(byPhone.body.user).toMatchObject({ email: email.toLowerCase(), login_count: 2 });
    expect(byPhone.body.user).not.toHaveProperty("password");
    const profile = await me(byPhone.body.accessToken);
    expect(profile.status).toBe(200);
    expect(profile.body.phone).toBe(phone);
  });

  it("gives the same 401 for an unknown phone and a wrong password", async () => {
    const unknown = await post("login", { phone: newPhone(), password: PASSWORD });
    const wrong = await post("login", { phone, password: "wrong password!" });

    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it("wants exactly one of email and phone", async () => {
    const both = await post("login", { email, phone, password: PASSWORD });
    const neither = await post("login", { password: PASSWORD });

    expect(both.status).toBe(400);
    expect(neither.status).toBe(400);
    expect(both.body.error.details[0].path).toBe("email");
  });

  it("refuses a deactivated agent", async () => {
    const other = newEmail();
    const otherPhone = newPhone();
    await post("register", { email: other, phone: otherPhone, password: PASSWORD, name: "Gone" });
    await database("delauto").collection("agents").updateOne({ email: other.toLowerCase() }, { $set: { is_active: false } });

    expect((await post("login", { phone: otherPhone, password: PASSWORD })).status).toBe(401);
  });

  it("rotates refresh tokens and ends the session on logout", async () => {
    const session = (await post("login", { phone, password: PASSWORD })).body;

    const next = await post("refresh", { refreshToken: session.refreshToken });
    const out = await post("logout", { refreshToken: next.body.refreshToken });

    expect(next.status).toBe(200);
    expect(out.status).toBe(204);
    expect((await post("refresh", { refreshToken: next.body.refreshToken })).status).toBe(401);
  });

  it("has its token refused by AI Calling's me", async () => {
    const session = (await post("login", { email, password: PASSWORD })).body;

    expect((await me(session.accessToken, "ai-calling")).status).toBe(401);
  });
});
