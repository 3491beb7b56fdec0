/**
 * A peer's user agent in words a person reads: "Chrome 131 on Android", "Node.js script". Browsers
 * are recognised by bowser (small, maintained, typed); scripts by their library's own signature.
 */
import Bowser from 'bowser';
import type { Translate } from '../i18n';

export function describeDevice(userAgent: string | null, t: Translate): string {
  if (userAgent === null || userAgent.trim() === '') return t('deviceUnknown');
  const { browser, os, platform } = Bowser.parse(userAgent);
  if (!browser.name) return userAgent.split(/[\s/]/)[0] ?? t('deviceUnknown');
  const major = browser.version?.split('.')[0];
  const name = major ? `${browser.name} ${major}` : browser.name;
  const system = [os.name, platform.type === 'mobile' || platform.type === 'tablet' ? platform.model : undefined]
    .filter(Boolean)
    .join(' ');
  return system === '' ? name : t('deviceOn', { browser: name, os: system });
}
