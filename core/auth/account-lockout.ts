/**
 * Car Sales' document-level lockout: its `users` carry `loginAttempts` (default 0) and `lockUntil`
 * (Date). The document gives the fields but no numbers, so these follow the classic Mongoose
 * pattern those two fields come from: 5 failed attempts lock the account for 2 hours; the first
 * failure after a lock has expired starts counting again at 1; a success resets both.
 *
 * Pure functions: they return the fields to write, as a merge patch (`lockUntil: null` removes
 * the field). The login guard (`login-guard.ts`) applies the same numbers in Redis to every email,
 * registered or not, so a lock never tells an attacker that an account exists.
 *
 * @example
 * if (lockoutState(user, now).locked) throw new LockedError("The account is locked", lockoutState(user, now).retryAfterSeconds);
 * await users.update(user._id, ok ? afterSuccessfulLogin() : afterFailedLogin(user, now));
 */

export const CAR_SALES_LOCKOUT = {
  /** Failed attempts that lock the account (the classic pattern's MAX_LOGIN_ATTEMPTS). */
  maxAttempts: 5,
  /** How long a lock lasts (the classic pattern's LOCK_TIME, 2 hours). */
  lockSeconds: 2 * 60 * 60,
} as const;

export interface LockoutFields {
  loginAttempts?: number;
  lockUntil?: Date | null;
}

export interface LockoutUpdate {
  loginAttempts: number;
  /** `null` removes the field (no lock). */
  lockUntil: Date | null;
}

export interface LockoutState {
  locked: boolean;
  /** Seconds until the lock ends; 0 when not locked. */
  retryAfterSeconds: number;
}

/**
 * Whether the account is locked at `now`, and for how long still.
 * @example
 * lockoutState({ loginAttempts: 5, lockUntil: new Date(Date.now() + 60_000) }, new Date()) // { locked: true, retryAfterSeconds: 60 }
 */
export function lockoutState(user: LockoutFields, now: Date): LockoutState {
  const remainingMs = user.lockUntil ? user.lockUntil.getTime() - now.getTime() : 0;
  return remainingMs > 0 ? { locked: true, retryAfterSeconds: Math.ceil(remainingMs / 1000) } : { locked: false, retryAfterSeconds: 0 };
}

/**
 * The fields to write after a failed login.
 * @example
 * afterFailedLogin({ loginAttempts: 4 }, now) // { loginAttempts: 5, lockUntil: now + 2 h }
 */
export function afterFailedLogin(user: LockoutFields, now: Date): LockoutUpdate {
  // An expired lock is forgotten: counting restarts with this failure.
  if (user.lockUntil && user.lockUntil.getTime() <= now.getTime()) return { loginAttempts: 1, lockUntil: null };
  const loginAttempts = (user.loginAttempts ?? 0) + 1;
  // A lock in force is not extended by further attempts, only counted.
  if (lockoutState(user, now).locked) return { loginAttempts, lockUntil: user.lockUntil ?? null };
  const lockUntil = loginAttempts >= CAR_SALES_LOCKOUT.maxAttempts ? new Date(now.getTime() + CAR_SALES_LOCKOUT.lockSeconds * 1000) : null;
  return { loginAttempts, lockUntil };
}

/**
 * The fields to write after a successful login: the count and any lock are cleared.
 * @example
 * await users.update(user._id, { ...afterSuccessfulLogin(), lastLogin: now });
 */
export function afterSuccessfulLogin(): LockoutUpdate {
  return { loginAttempts: 0, lockUntil: null };
}
