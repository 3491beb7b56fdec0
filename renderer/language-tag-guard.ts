/**
 * Some browsers pass the system's POSIX locale through as navigator.language: WebKitGTK under
 * LANG=C says "C", which is no BCP 47 tag, and Intl refuses it. uPlot formats its numbers in
 * navigator.language when it loads, so on such a browser the whole page stopped before it
 * connected. Imported first, this gives such a browser a tag Intl accepts (uPlot's own default).
 */
const FALLBACK_TAG = 'en-US';

try {
  new Intl.NumberFormat(navigator.language);
} catch {
  Object.defineProperty(navigator, 'language', { value: FALLBACK_TAG, configurable: true });
}
