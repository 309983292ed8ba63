/**
 * Upper-cases option keywords for the in-process memory store. Redis reads `ex`, `nx` or
 * `withscores` in any case and `@upstash/redis` sends them lower-case, but ioredis-mock compares
 * several of them case-sensitively (`SET k v ex 10` would store without a TTL).
 *
 * Only positions where Redis expects an option are touched, walking keyword by keyword and
 * skipping each keyword's values, so a value that happens to read "ex" is left alone.
 */
import type { Arg, Command } from "./protocol.ts";

interface OptionGrammar {
  /** Index (in the arguments after the name) of the first possible option. */
  from: number;
  /** Keyword -> how many values follow it. */
  keywords: Record<string, number>;
}

const EXPIRY = { from: 2, keywords: { NX: 0, XX: 0, GT: 0, LT: 0 } };
const BY_SCORE = { from: 3, keywords: { WITHSCORES: 0, LIMIT: 2 } };
const SCAN_FIELDS = { from: 2, keywords: { MATCH: 1, COUNT: 1, NOVALUES: 0 } };

const GRAMMARS: Record<string, OptionGrammar> = {
  SET: { from: 2, keywords: { NX: 0, XX: 0, GET: 0, KEEPTTL: 0, EX: 1, PX: 1, EXAT: 1, PXAT: 1 } },
  GETEX: { from: 1, keywords: { EX: 1, PX: 1, EXAT: 1, PXAT: 1, PERSIST: 0 } },
  EXPIRE: EXPIRY,
  PEXPIRE: EXPIRY,
  EXPIREAT: EXPIRY,
  PEXPIREAT: EXPIRY,
  ZADD: { from: 1, keywords: { NX: 0, XX: 0, GT: 0, LT: 0, CH: 0, INCR: 0 } },
  ZRANGE: { from: 3, keywords: { BYSCORE: 0, BYLEX: 0, REV: 0, LIMIT: 2, WITHSCORES: 0 } },
  ZREVRANGE: { from: 3, keywords: { WITHSCORES: 0 } },
  ZRANGEBYSCORE: BY_SCORE,
  ZREVRANGEBYSCORE: BY_SCORE,
  ZRANGEBYLEX: { from: 3, keywords: { LIMIT: 2 } },
  ZREVRANGEBYLEX: { from: 3, keywords: { LIMIT: 2 } },
  SCAN: { from: 1, keywords: { MATCH: 1, COUNT: 1, TYPE: 1 } },
  HSCAN: SCAN_FIELDS,
  SSCAN: SCAN_FIELDS,
  ZSCAN: SCAN_FIELDS,
  LPOS: { from: 2, keywords: { RANK: 1, COUNT: 1, MAXLEN: 1 } },
};

export function normalizeOptions(command: Command): Command {
  const grammar = GRAMMARS[command.name];
  if (!grammar) return command;
  const args: Arg[] = [...command.args];
  let index = grammar.from;
  while (index < args.length) {
    const keyword = String(args[index]).toUpperCase();
    const values = grammar.keywords[keyword];
    if (values === undefined) break;
    args[index] = keyword;
    index += 1 + values;
  }
  return { name: command.name, args };
}
