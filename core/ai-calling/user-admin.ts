/**
 * Users as admins manage them, and the one thing users set about themselves here: their own
 * Exotel credentials (encrypted at rest by the repository, never shown again).
 *
 * Admins may change name, role, isActive and credits. Credits are server-managed for everyone
 * else (refused by the generic patch input), so the admin patch is built from the definition's
 * own field schemas rather than from `updateInput`.
 *
 * Deleting a user deletes their agents and phones too (so their numbers are free again); call
 * logs stay, as the record of calls made and billed.
 *
 * @example
 * const user = await UserAdmin.updateUser({ id, patch: { credits: 250, role: "admin" } });
 * await UserAdmin.setExotelConfig({ userId: caller.userId, exotelConfig: body });
 */
import type { Document, ObjectId } from "mongodb";
import * as z from "zod";
import { withDriverErrors } from "../db/errors.ts";
import { openRepository } from "../db/repository.ts";
import { deepPartial } from "../db/schema-paths.ts";
import { apiCacheTagKey, invalidate } from "../cache/api-cache.ts";
import { log } from "../log.ts";
import { agents, agentsCacheCovers } from "./agents.ts";
import { phones } from "./phones.ts";
import { passthruUrl } from "./callback-tokens.ts";
import { users, type User } from "./users.ts";

/** What an admin's PATCH may hold: any of these, each by the definition's own rule. */
export const adminUserPatch = deepPartial(users.inputFields.pick({ name: true, role: true, isActive: true, credits: true }));

/** `PUT /users/me/exotel-config`: the whole credential set, nothing else. */
export const exotelConfigInput = users.createInput.shape.exotelConfig.unwrap().strict();

/** A user as any answer shows them: the definition keeps the password hash and Exotel credentials out. */
export const userOutput = users.output;

export const presentUser = (user: User): Record<string, unknown> => users.toApi(user);

export async function updateUser({ id, patch }: { id: string; patch: Document }): Promise<User> {
  return openRepository(users).update(id, patch);
}

/** Deletes a user with their agents and phones (the user last, so a failed attempt can be retried). */
export async function removeUser({ id }: { id: string }): Promise<void> {
  const repository = openRepository(users);
  const user = await repository.get(id);
  await deleteOwnedBy(user._id);
  await repository.remove(user._id);
  await invalidate({ tags: [apiCacheTagKey("ai-calling", agentsCacheCovers(user._id))] }).catch((error: unknown) =>
    log.warn("user removal: their cached agent lists stay until they expire", { userId: user._id, error }),
  );
}

async function deleteOwnedBy(userId: ObjectId): Promise<void> {
  for (const definition of [phones, agents]) {
    const { collection } = openRepository(definition);
    await withDriverErrors(() => collection.deleteMany({ userId }));
  }
}

export async function setExotelConfig({ userId, exotelConfig }: { userId: ObjectId; exotelConfig: z.output<typeof exotelConfigInput> }): Promise<void> {
  await openRepository(users).update(userId, { exotelConfig });
}

/** What a user may see of their own Exotel setup: never the key or token, and the Passthru URL for their flow. */
export const exotelSetupOutput = z.object({
  configured: z.boolean(),
  sid: z.string().optional(),
  subdomain: z.string().optional(),
  passthruUrl: z.string(),
});

export async function exotelSetup({ userId }: { userId: ObjectId }): Promise<z.output<typeof exotelSetupOutput>> {
  const repository = openRepository(users);
  const { exotelConfig } = repository.reveal(await repository.get(userId));
  return {
    configured: exotelConfig !== undefined,
    ...(exotelConfig && { sid: exotelConfig.sid, subdomain: exotelConfig.subdomain }),
    passthruUrl: passthruUrl(userId.toHexString()),
  };
}
