/**
 * Where the window may go: only the app's own page. Plain functions, so the rules are tested
 * without Electron.
 */

/** The window's own page: the station's page on loopback, or the bundled page when it is down. */
export function isOwnPage(url: string, ownPages: readonly string[]): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  return ownPages.some((page) => {
    const own = new URL(page);
    return own.protocol === 'file:' ? target.href.split(/[?#]/)[0] === own.href : target.origin === own.origin;
  });
}

/** Links that may open in the system browser: http and https only, never file:, javascript: or others. */
export function externalLink(url: string): string | null {
  try {
    const target = new URL(url);
    return target.protocol === 'http:' || target.protocol === 'https:' ? target.href : null;
  } catch {
    return null;
  }
}
