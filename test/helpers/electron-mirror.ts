/**
 * A loopback mirror for ELECTRON_MIRROR that serves a STAND-IN for Electron: a zip laid out like
 * Electron's release, whose executable is a shell script that says it is a stand-in and prints
 * its arguments. It proves our orchestration (Electron's own installer fetches, checks and unpacks
 * it, then our tools launch it); it is never Electron and never counts as the Electron suite.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { crc32 } from 'node:zlib';

export const STAND_IN_BANNER = 'STAND-IN for Electron (not Electron), started with:';

/** Chromium's words when Linux forbids its user-namespace sandbox; the sandbox-abort stand-in prints them. */
export const SUID_SANDBOX_ABORT =
  "The SUID sandbox helper binary was found, but is not configured correctly. Rather than run without sandboxing I'm aborting now.";

export interface ElectronMirror {
  /** The value for ELECTRON_MIRROR. */
  url: string;
  /** Paths asked for, in order. */
  requests: string[];
}

/** Where Electron's release zip keeps its executable, as its installer's path.txt names it. */
const EXECUTABLE_IN_ZIP: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'electron',
  darwin: 'Electron.app/Contents/MacOS/Electron',
};

/**
 * Serves `electron-v<version>-<platform>-<arch>.zip` and its SHASUMS256.txt (for
 * electron_use_remote_checksums), or answers 404 to everything with `serve: 'nothing'`.
 */
export async function startElectronMirror(
  t: TestContext,
  version: string,
  serve: 'stand-in' | 'sandbox-abort' | 'nothing',
): Promise<ElectronMirror> {
  const zipName = `electron-v${version}-${process.platform}-${process.arch}.zip`;
  const executable = EXECUTABLE_IN_ZIP[process.platform];
  if (executable === undefined) throw new Error(`no stand-in executable for ${process.platform}`);
  // The sandbox-abort stand-in fails the way Electron does where Ubuntu restricts user namespaces.
  const script =
    serve === 'sandbox-abort'
      ? `#!/bin/sh\necho "FATAL:setuid_sandbox_host.cc(163)] ${SUID_SANDBOX_ABORT}" >&2\nexit 133\n`
      : `#!/bin/sh\necho "${STAND_IN_BANNER} $*"\n`;
  const zip = storedZip([
    { name: executable, mode: 0o755, data: Buffer.from(script) },
    { name: 'version', mode: 0o644, data: Buffer.from(`v${version}`) },
  ]);
  const sums = `${createHash('sha256').update(zip).digest('hex')} *${zipName}\n`;
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push(path);
    if (serve !== 'nothing' && path.endsWith(`/${zipName}`)) {
      response.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': zip.length }).end(zip);
    } else if (serve !== 'nothing' && path.endsWith('/SHASUMS256.txt')) {
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end(sums);
    } else {
      response.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

interface ZipEntry {
  name: string;
  mode: number;
  data: Buffer;
}

/** A zip archive with uncompressed entries and Unix file modes (APPNOTE.TXT 4.3). */
function storedZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4); // version needed: 1.0
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is read
    central.writeUInt16LE(10, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((0o100000 | entry.mode) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
