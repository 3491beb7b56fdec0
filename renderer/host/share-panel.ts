/**
 * The Share panel: the addresses other machines use (ws:// and http://, and wss:// and https://
 * while TLS is on), each with a copy button, a QR code of the page for phones, and, while TLS is
 * on with the local CA, that CA for devices to install: its QR code, its fingerprint, and how to
 * install it on each kind of device; with the person's own certificate, what it is valid for.
 */
import { renderSVG } from 'uqr';
import type { StationBridge } from '../../common/client-config';
import { byId } from '../dom';
import type { MessageKey, Translate } from '../i18n';

const element = (id: string) => byId(id, HTMLElement);

/** Each kind of device: its name and its steps (in the person's language). */
const INSTALL_STEPS: readonly (readonly [MessageKey, MessageKey])[] = [
  ['installAndroid', 'installAndroidSteps'],
  ['installIos', 'installIosSteps'],
  ['installMacos', 'installMacosSteps'],
  ['installWindows', 'installWindowsSteps'],
  ['installFirefox', 'installFirefoxSteps'],
];

export class SharePanel {
  #t: Translate;

  constructor(
    private readonly bridge: StationBridge,
    t: Translate,
  ) {
    this.#t = t;
    element('share-panel').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-copy]');
      if (!button?.dataset.copy) return;
      bridge.copyText(button.dataset.copy).then(
        () => (button.textContent = this.#t('copied')),
        () => (button.textContent = this.#t('copyFailed')),
      );
    });
    this.#render();
  }

  setTranslator(t: Translate): void {
    this.#t = t;
    this.#render();
  }

  #render(): void {
    const { lanUrls, lanPageUrls, tls } = this.bridge.config;
    element('share-intro').textContent = this.#t(lanPageUrls.length > 0 ? 'shareIntro' : 'shareNone');
    const urls = [...lanPageUrls, ...lanUrls, ...(tls?.lanPageUrls ?? []), ...(tls?.lanUrls ?? [])];
    element('share-list').replaceChildren(...urls.map((url) => this.#copyable(url)));
    this.#renderQr('share', lanPageUrls[0], (url) => this.#t('qrCaption', { url }));

    const caUrl = tls?.caUrls[0];
    // A given certificate: devices trust it through its own CA, which is the person's to hand out.
    const given = tls?.source === 'given';
    element('share-tls').hidden = !given && caUrl === undefined;
    element('share-tls-given').hidden = !given;
    element('share-tls-given').textContent = given
      ? this.#t('shareTlsGiven', {
          names: tls.names.join(', ') || this.#t('none'),
          date: new Date(tls.notAfter).toLocaleDateString(document.documentElement.lang),
        })
      : '';
    element('share-ca').hidden = caUrl === undefined;
    if (tls === null || caUrl === undefined) return;
    this.#renderQr('share-ca', caUrl, (url) => this.#t('shareCaQrCaption', { url }));
    element('share-ca-fingerprint').textContent = this.#t('shareCaFingerprint', {
      fingerprint: tls.caFingerprint256 ?? '',
    });
    // One device at a time: each opens (Enter or Space from the keyboard) to its steps.
    const open = new Set(
      [...element('share-ca-steps').querySelectorAll<HTMLDetailsElement>('details[open]')].map(
        (details) => details.dataset.device,
      ),
    );
    element('share-ca-steps').replaceChildren(
      ...INSTALL_STEPS.map(([device, steps]) => {
        const item = document.createElement('li');
        const details = document.createElement('details');
        details.dataset.device = device;
        details.open = open.has(device);
        const name = document.createElement('summary');
        name.textContent = this.#t(device);
        const text = document.createElement('p');
        text.textContent = this.#t(steps);
        details.append(name, text);
        item.append(details);
        return item;
      }),
    );
  }

  #copyable(url: string): HTMLLIElement {
    const item = document.createElement('li');
    const text = document.createElement('code');
    text.textContent = url;
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.dataset.copy = url;
    copy.textContent = this.#t('copy');
    item.append(text, copy);
    return item;
  }

  /** The QR code and caption with ids `${prefix}-qr…`, or the figure hidden when there is no URL. */
  #renderQr(prefix: string, url: string | undefined, caption: (url: string) => string): void {
    element(`${prefix}-qr-figure`).hidden = url === undefined;
    const qr = element(`${prefix}-qr`);
    // uqr returns an SVG of rects and paths only; no script or style can come from it.
    qr.innerHTML = url === undefined ? '' : renderSVG(url);
    const text = url === undefined ? '' : caption(url);
    qr.setAttribute('aria-label', text);
    element(`${prefix}-qr-caption`).textContent = text;
  }
}
