/**
 * DelAuto's auth endpoints over real HTTP (API.md: "DelAuto authenticates its agents"; what every
 * system's auth endpoints share is in test/auth/endpoints.it.test.ts): agents sign in by email or
 * by phone; each login sets `last_login` and increments `login_count`; the password hash is never
 * answered; an unknown phone gets the same 401 as a wrong password; a taken phone is a 409 naming
 * `phone`; a deactivated agent is refused by phone too.
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
const me = async (token: string) => {
  const response = await fetch(`${server.url}/delauto/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Json };
};
const newEmail = () => `Agent.${randomBytes(4).toString("hex")}@Example.com`;
const newPhone = () => `+1${String(randomBytes(4).readUInt32BE()).padStart(10, "0")}`;
const stored = (email: string) => database("delauto").collection("agents").findOne({ email: email.toLowerCase() });
const PASSWORD = "correct horse battery";

describe("register", () => {
  it("answers 409 naming phone when the phone is taken", async () => {
    const phone = newPhone();
    await post("register", { email: newEmail(), phone, password: PASSWORD, name: "First" });

    const { status, body } = await post("register", { email: newEmail(), phone, password: PASSWORD, name: "Second" });

    expect(status).toBe(409);
    expect(body.error.details[0].path).toBe("phone");
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

  it("refuses a deactivated agent signing in by phone", async () => {
    const other = newEmail();
    const otherPhone = newPhone();
    await post("register", { email: other, phone: otherPhone, password: PASSWORD, name: "Gone" });
    await database("delauto").collection("agents").updateOne({ email: other.toLowerCase() }, { $set: { is_active: false } });

    expect((await post("login", { phone: otherPhone, password: PASSWORD })).status).toBe(401);
  });
});
