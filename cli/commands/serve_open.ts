/**
 * How `rnnc serve` opens a file: once, and then it checks what it opened. Checking a path and then
 * opening it loses a race to anyone who swaps a file or a directory of the site for a symbolic link
 * in between; a descriptor cannot be swapped, so the size and the bytes sent and the place checked
 * all come from the one descriptor.
 */
import { constants } from 'node:fs';
import { lstat, open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** A file opened for serving: read it through `handle`, close it when done. */
export interface OpenedFile {
  readonly handle: FileHandle;
  /** Its size when it was opened: the Content-Length. */
  readonly size: number;
  /** Where it really is (no symbolic link in it), inside the served directory: its name gives the MIME type. */
  readonly real: string;
}

/**
 * Where the file behind an open descriptor really is, or null when this cannot tell. `target` is
 * the path it was opened at.
 */
export type Locate = (handle: FileHandle, target: string) => Promise<string | null>;

/** Linux names the file an open descriptor holds under /proc/self/fd: the kernel's answer, no race. */
export const byDescriptor: Locate = async (handle) => {
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return null;
  }
};

/**
 * Elsewhere: resolve the name, then accept it only if the resolved path holds the very file that
 * was opened (same device and inode). A swap after the open changes the inode and is refused; what
 * is left is a swap of a parent directory between realpath and lstat that lands on the same inode.
 */
export const byName: Locate = async (handle, target) => {
  try {
    const real = await realpath(target);
    const [named, opened] = await Promise.all([lstat(real), handle.stat()]);
    return named.dev === opened.dev && named.ino === opened.ino ? real : null;
  } catch {
    return null;
  }
};

const locate: Locate = async (handle, target) => (await byDescriptor(handle, target)) ?? byName(handle, target);

/** A dotfile or dot folder (.git, .env): private by convention, never served. */
const hidden = (part: string) => part.startsWith('.');

/**
 * `real` is below `realRoot` (both free of symbolic links) and no part of it below is hidden: a
 * visible link to a dotfile is refused too. `..`, the way out, is hidden as well.
 */
export function servable(realRoot: string, real: string): boolean {
  const rel = path.relative(realRoot, real);
  return rel !== '' && !path.isAbsolute(rel) && !rel.split(path.sep).some(hidden);
}

/**
 * The path segments of a request path, or null when it is malformed, would climb out (`..`,
 * encoded or not, backslashes, NUL) or names a dotfile or anything in a dot folder.
 */
export function requestParts(urlPath: string): string[] | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  return parts.some(hidden) ? null : parts;
}

// O_NONBLOCK: opening a FIFO someone left in the site must not wait for a writer (it is then refused
// as not a regular file). Windows has neither flag nor FIFOs.
const READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens the file a request names under `root` (a directory's index.html for a directory), or null
 * when there is none, or when what was opened is not a regular, visible file inside `root`. `where` finds
 * the opened file's real path (the descriptor's where the system tells it, else the name's).
 */
export async function openServed(root: string, parts: readonly string[], where: Locate = locate): Promise<OpenedFile | null> {
  const realRoot = await realpath(root).catch(() => null);
  if (realRoot === null) return null;
  const target = path.join(root, ...parts);
  return openChecked(realRoot, target, where, true);
}

async function openChecked(realRoot: string, target: string, where: Locate, orIndex: boolean): Promise<OpenedFile | null> {
  const handle = await open(target, READ).catch(() => null);
  if (handle === null) return null;
  let keep = false;
  try {
    const stats = await handle.stat();
    if (stats.isDirectory() && orIndex) return await openChecked(realRoot, path.join(target, 'index.html'), where, false);
    if (!stats.isFile()) return null;
    const real = await where(handle, target);
    if (real === null || !servable(realRoot, real)) return null;
    keep = true;
    return { handle, size: stats.size, real };
  } finally {
    if (!keep) await handle.close();
  }
}
