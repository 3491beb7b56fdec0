/**
 * The application menu. Without one, Electron shows its default menu, with Toggle Developer Tools
 * and an empty Help (menu.md): the app sets its own from standard roles, with an About item that
 * shows the version, and developer tools only when running unpackaged (npm start).
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuContext {
  platform: NodeJS.Platform;
  /** app.isPackaged: false under npm start, true in an installed app. */
  packaged: boolean;
}

export function applicationMenuTemplate({ platform, packaged }: MenuContext): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const developerTools: MenuItemConstructorOptions[] = packaged ? [] : [{ role: 'toggleDevTools' }];
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      { role: 'reload' },
      ...developerTools,
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  // macOS's app menu holds About, Hide and Quit; elsewhere File holds Quit and Help holds About.
  const first: MenuItemConstructorOptions = mac ? { role: 'appMenu' } : { label: 'File', submenu: [{ role: 'quit' }] };
  const help: MenuItemConstructorOptions[] = mac ? [] : [{ role: 'help', submenu: [{ role: 'about' }] }];
  return [first, { role: 'editMenu' }, view, { role: 'windowMenu' }, ...help];
}
