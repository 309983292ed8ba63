/**
 * Failed-login limits in Redis, per account (the email as typed, hashed: the same key whether or
 * not the account exists) and per client IP, in fixed windows. Once an account or an IP reaches
 * its limit, logins are refused until the block expires: 429 with Retry-After, or for Car Sales'
 * accounts 423, the lock its document describes. Redis down means logins are refused (503): a
 * guard that fails open would let a password-guessing run through while it is down.
 *
 * A login handler, in order:
 *   checkLoginAllowed ─► verifyPasswordOrDummy ─► fail: recordLoginFailure, 401
 *                                               └► ok: clearLoginFailures, issueSession
 *
 * @example
 * await checkLoginAllowed({ system, account: input.email, ip: event.requestContext.http.sourceIp });
 */
import { createHash } from "node:crypto";
import type { Redis } from "@upstash/redis";
import { redis as containerRedis } from "../cache/redis.ts";
import { LockedError, RateLimitedError, UnavailableError } from "../errors.ts";
import { log } from "../log.ts";
import type { SystemSlug } from "../systems.ts";
import { CAR_SALES_LOCKOUT } from "./account-lockout.ts";
import { ipBucket } from "./ip-bucket.ts";

export interface AttemptRule {
  /** Failures within the window that block further logins. */
  maxFailures: number;
  /** The window opens at the first failure. */
  windowSeconds: number;
  /** From the failure that reaches the limit, how long logins stay blocked. */
  blockSeconds: number;
}

export interface LoginGuardPolicy {
  account: AttemptRule;
  ip: AttemptRule;
  /** How a blocked account is answered: 423 (a lock, Car Sales) or 429 (a rate limit). */
  accountRefusal: "locked" | "rate-limited";
}

export const ACCOUNT_RULE: AttemptRule = { maxFailures: 5, windowSeconds: 15 * 60, blockSeconds: 15 * 60 };
/** Higher than an account's: many people may log in from behind one NAT. */
export const IP_RULE: AttemptRule = { maxFailures: 20, windowSeconds: 15 * 60, blockSeconds: 15 * 60 };

const standard: LoginGuardPolicy = { account: ACCOUNT_RULE, ip: IP_RULE, accountRefusal: "rate-limited" };
export const LOGIN_GUARD_POLICIES: Record<SystemSlug, LoginGuardPolicy> = {
  // The document's lock, applied to every email so that a lock reveals nothing.
  "car-sales": {
    account: { maxFailures: CAR_SALES_LOCKOUT.maxAttempts, windowSeconds: CAR_SALES_LOCKOUT.lockSeconds, blockSeconds: CAR_SALES_LOCKOUT.lockSeconds },
    ip: IP_RULE,
    accountRefusal: "locked",
  },
  delauto: standard,
  "sales-automation": standard,
  automedia: standard,
  "ai-calling": standard,
};

export interface LoginAttempt {
  system: SystemSlug;
  /** The email (or other login name) as submitted; it is normalised and hashed, never stored. */
  account: string;
  ip: string;
}

export interface FailureCounts {
  accountFailures: number;
  ipFailures: number;
}

export const accountKey = (system: SystemSlug, account: string): string =>
  `auth:attempts:${system}:account:${createHash("sha256").update(account.trim().toLowerCase()).digest("hex").slice(0, 32)}`;
export const ipKey = (system: SystemSlug, ip: string): string => `auth:attempts:${system}:ip:${ipBucket(ip)}`;

/** KEYS: the counters. Returns count, pttl for each (0 and -2 for an absent key). */
const READ = `
local out = {}
for _, key in ipairs(KEYS) do
  out[#out + 1] = tonumber(redis.call('GET', key) or '0')
  out[#out + 1] = redis.call('PTTL', key)
end
return out`;

/** KEYS: the counters. ARGV per key: window ms, max, block ms. Returns count, pttl for each. */
const RECORD = `
local out = {}
for i, key in ipairs(KEYS) do
  local window, max, block = ARGV[i * 3 - 2], tonumber(ARGV[i * 3 - 1]), ARGV[i * 3]
  local count = redis.call('INCR', key)
  -- A new counter opens its window; one without expiry (never expected) is healed the same way.
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window) end
  if count == max then redis.call('PEXPIRE', key, block) end
  out[#out + 1] = count
  out[#out + 1] = redis.call('PTTL', key)
end
return out`;

export type LoginGuard = ReturnType<typeof createLoginGuard>;

/**
 * A login guard over a Redis client and per-system policies.
 * @example
 * const guard = createLoginGuard({ redis });
 * await guard.recordLoginFailure({ system: "delauto", account: "a@b.co", ip: "203.0.113.9" });
 */
export function createLoginGuard({ redis, policies = LOGIN_GUARD_POLICIES }: { redis: Redis; policies?: Record<SystemSlug, LoginGuardPolicy> }) {
  return {
    /** Throws `LockedError`/`RateLimitedError` (with Retry-After) while the account or the IP is blocked. */
    async checkLoginAllowed({ system, account, ip }: LoginAttempt): Promise<void> {
      const policy = policies[system];
      const [accountCount, accountTtl, ipCount, ipTtl] = await run(() => redis.eval<[], number[]>(READ, [accountKey(system, account), ipKey(system, ip)], []));
      if (accountCount >= policy.account.maxFailures) {
        const seconds = retrySeconds(accountTtl);
        throw policy.accountRefusal === "locked"
          ? new LockedError("The account is locked after too many failed logins", seconds)
          : new RateLimitedError(seconds, "Too many failed logins");
      }
      if (ipCount >= policy.ip.maxFailures) throw new RateLimitedError(retrySeconds(ipTtl), "Too many failed logins");
    },

    /** Counts one failed login against the account and the IP. */
    async recordLoginFailure({ system, account, ip }: LoginAttempt): Promise<FailureCounts> {
      const { account: a, ip: i } = policies[system];
      const args = [a, i].flatMap((rule) => [String(rule.windowSeconds * 1000), String(rule.maxFailures), String(rule.blockSeconds * 1000)]);
      const [accountFailures, , ipFailures] = await run(() => redis.eval<string[], number[]>(RECORD, [accountKey(system, account), ipKey(system, ip)], args));
      return { accountFailures, ipFailures };
    },

    /**
     * Forgets an account's failures after a successful login. The IP's count stays: otherwise one
     * valid account would let a client reset its IP budget between guesses at others.
     */
    async clearLoginFailures({ system, account }: Pick<LoginAttempt, "system" | "account">): Promise<void> {
      await run(() => redis.del(accountKey(system, account)));
    },
  };
}

function retrySeconds(pttl: number): number {
  return pttl > 0 ? Math.ceil(pttl / 1000) : 1;
}

async function run<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    log.warn("auth: Redis unreachable, refusing logins (the login guard fails closed)", { error });
    throw new UnavailableError("Login is temporarily unavailable", 5, { cause: error });
  }
}

let shared: LoginGuard | undefined;
const guard = (): LoginGuard => (shared ??= createLoginGuard({ redis: containerRedis() }));

export const checkLoginAllowed: LoginGuard["checkLoginAllowed"] = (attempt) => guard().checkLoginAllowed(attempt);
export const recordLoginFailure: LoginGuard["recordLoginFailure"] = (attempt) => guard().recordLoginFailure(attempt);
export const clearLoginFailures: LoginGuard["clearLoginFailures"] = (attempt) => guard().clearLoginFailures(attempt);
