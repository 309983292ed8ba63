/**
 * Car Sales' document-level lockout (`loginAttempts`, `lockUntil`) as pure functions, and the IP
 * buckets the login guard counts.
 */
import { describe, expect, it } from "vitest";
import { afterFailedLogin, afterSuccessfulLogin, CAR_SALES_LOCKOUT, lockoutState } from "#core/auth/account-lockout.ts";
import { ipBucket } from "#core/auth/ip-bucket.ts";

const now = new Date("2024-05-01T10:00:00Z");
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe("Car Sales lockout", () => {
  it("counts a failure on a fresh account without locking it", () => {
    expect(afterFailedLogin({}, now)).toEqual({ loginAttempts: 1, lockUntil: null });
  });

  it("locks the account for 2 hours at the fifth failure", () => {
    const update = afterFailedLogin({ loginAttempts: 4 }, now);

    expect(update).toEqual({ loginAttempts: 5, lockUntil: later(CAR_SALES_LOCKOUT.lockSeconds) });
    expect(lockoutState(update, now)).toEqual({ locked: true, retryAfterSeconds: 7200 });
  });

  it("counts failures during a lock without extending it", () => {
    const lockUntil = later(600);

    expect(afterFailedLogin({ loginAttempts: 5, lockUntil }, now)).toEqual({ loginAttempts: 6, lockUntil });
  });

  it("starts counting again at 1 once a lock has expired", () => {
    const expired = { loginAttempts: 7, lockUntil: later(-1) };

    expect(lockoutState(expired, now)).toEqual({ locked: false, retryAfterSeconds: 0 });
    expect(afterFailedLogin(expired, now)).toEqual({ loginAttempts: 1, lockUntil: null });
  });

  it("clears the count and the lock after a successful login", () => {
    expect(afterSuccessfulLogin()).toEqual({ loginAttempts: 0, lockUntil: null });
  });

  it("reports the remaining lock in whole seconds, rounded up", () => {
    expect(lockoutState({ lockUntil: new Date(now.getTime() + 1500) }, now)).toEqual({ locked: true, retryAfterSeconds: 2 });
  });
});

describe("ipBucket", () => {
  it("keeps IPv4 addresses, and maps IPv4-mapped IPv6 to IPv4", () => {
    expect(ipBucket("203.0.113.9")).toBe("203.0.113.9");
    expect(ipBucket("::ffff:203.0.113.9")).toBe("203.0.113.9");
  });

  it("groups IPv6 addresses by /64, however they are written", () => {
    expect(ipBucket("2001:0db8:0001:0002:0003:0004:0005:0006")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:DB8:1:2::ff")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipBucket("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });

  it("turns anything else into a bounded, key-safe bucket", () => {
    expect(ipBucket("not an ip\r\n:*")).toMatch(/^other:[0-9a-f]{16}$/);
  });
});
