/**
 * The app's icon set, generated from the one source image (renderer/icon.svg) by the build:
 * build/icons/<size>x<size>.png for Linux, build/icon.png (1024 px) from which electron-builder
 * makes the Windows .ico and the macOS .icns.
 */
import { Resvg } from '@resvg/resvg-js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;

export function makeIcons(projectRoot: string): string[] {
  const source = readFileSync(join(projectRoot, 'renderer', 'icon.svg'));
  const folder = join(projectRoot, 'build', 'icons');
  mkdirSync(folder, { recursive: true });
  const written: string[] = [];
  for (const size of ICON_SIZES) {
    const png = new Resvg(source, { fitTo: { mode: 'width', value: size } }).render().asPng();
    const file = join(folder, `${size}x${size}.png`);
    writeFileSync(file, png);
    written.push(file);
    if (size === 1024) writeFileSync(join(projectRoot, 'build', 'icon.png'), png);
  }
  return written;
}

if (require.main === module) makeIcons(join(__dirname, '..', '..'));
