/**
 * A user's Exotel account, for the one call that needs it: the credentials are decrypted here,
 * handed to the API client and never kept or logged.
 *
 * @example
 * const exotel = await exotelApiOf(callLog.userId);
 * const details = await exotel.callDetails(callLog.exotelCallSid);
 */
import type { ObjectId } from "mongodb";
import { openRepository } from "../db/repository.ts";
import { withDriverErrors } from "../db/errors.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { createExotelApi, type ExotelApi } from "./exotel-api.ts";
import { users } from "./users.ts";

export async function exotelApiOf(userId: ObjectId): Promise<ExotelApi> {
  const repository = openRepository(users);
  const user = await withDriverErrors(() => repository.collection.findOne({ _id: userId }));
  if (!user) throw new NotFoundError("users not found");
  const account = repository.reveal(user).exotelConfig;
  if (!account) throw new ConflictError("exotelConfig", "Set your Exotel credentials (PUT /ai-calling/users/me/exotel-config) before calling");
  return createExotelApi({ account });
}
