/**
 * `<dbpath>/mongod.lock`, holding the owner's pid, so two stand-ins never share a dbpath: each
 * would replay the other's journal half-written and overwrite its snapshot. A lock whose process
 * is gone (killed, crashed) is stale and taken over.
 */
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";

/** Lock files held by stand-ins of this process, which share its pid. */
const heldHere = new Set<string>();

export interface DbpathLock {
  release(): void;
}

export function acquireDbpathLock(dbpath: string): DbpathLock {
  const path = resolve(join(dbpath, "mongod.lock"));
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = lockOwner(path);
      if (owner !== undefined && ownerIsLive(owner, path)) {
        throw new Error(`dbpath ${dbpath} is in use by another MongoDB stand-in (process ${owner} holds ${path}); stop it or choose another --dbpath`);
      }
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    heldHere.add(path);
    return {
      release() {
        if (!heldHere.delete(path)) return;
        if (lockOwner(path) === process.pid) rmSync(path, { force: true });
      },
    };
  }
  throw new Error(`could not take the lock ${path}: another process keeps replacing it`);
}

function lockOwner(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function ownerIsLive(pid: number, path: string): boolean {
  // Our own pid on a lock this process does not hold was left by an earlier process.
  if (pid === process.pid) return heldHere.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
