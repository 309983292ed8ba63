/**
 * Writing files so that a crash at any moment leaves either the old file or the complete new
 * one: write a temporary file, fsync it, rename it over the target, fsync the directory (the
 * rename itself is only durable once the directory entry is).
 */
import { open, rename, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

export async function writeAll(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written, position + written);
    written += bytesWritten;
  }
}

export async function replaceFileDurably(dir: string, name: string, chunks: Iterable<Buffer>): Promise<void> {
  const temp = join(dir, `${name}.tmp`);
  const handle = await open(temp, "w");
  try {
    let position = 0;
    for (const chunk of chunks) {
      await writeAll(handle, chunk, position);
      position += chunk.length;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, name));
  await syncDirectory(dir);
}

export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory; renames there are what they are.
    if (!["EISDIR", "EPERM", "EINVAL", "EBADF"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
  } finally {
    await handle?.close();
  }
}
