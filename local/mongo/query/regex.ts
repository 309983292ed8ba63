/** Compiling a MongoDB (PCRE) pattern into a JavaScript RegExp, for the matcher and `$jsonSchema`. */
import { CommandError } from "../errors.ts";

/**
 * Compiles a pattern as PCRE would take it. Unicode mode first (the server matches in UTF-8);
 * without it when the stricter escape rules of `u` reject a pattern PCRE accepts.
 */
export function compilePattern(source: string, flags = ""): RegExp {
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (error) {
      throw new CommandError(51091, `Regular expression is invalid: ${(error as Error).message}`);
    }
  }
}
