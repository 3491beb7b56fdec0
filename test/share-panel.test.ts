/**
 * The desktop window's Share panel while the station serves wss:// (Chromium, a mock bridge on a
 * real station): the wss:// and https:// addresses, the CA's QR code and fingerprint, and how to
 * install the CA on each kind of device, or what a given certificate is valid for; and Settings:
 * the switch that turns TLS on, and your own certificate and key chosen in the file dialog.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderSVG } from 'uqr';
import type { Page } from 'playwright';
import type { DesktopSettings, DesktopTlsConfig } from '../common/desktop';
import { DEFAULT_SETTINGS } from '../main/desktop/settings';
import { localCaTls } from '../main/station/tls/station-tls';
import { seriousViolations } from './helpers/axe';
import { assertNoPageErrors, screenshot } from './helpers/browser';
import { DESKTOP_WINDOW, NARROW_WINDOW, openHostWindow, startLoopbackHost } from './helpers/host-window';
import { tempFolder } from './helpers/temp-folder';

const WAIT_MS = 5000;
const CA_URL = 'http://192.168.1.20:3000/ca.crt';

async function tlsConfig(folder: string): Promise<DesktopTlsConfig> {
  const tls = await localCaTls(join(folder, 'ca'), '127.0.0.1', 'WS Station');
  return {
    lanUrls: ['wss://192.168.1.20:3443/websocket/test'],
    lanPageUrls: ['https://192.168.1.20:3443/'],
    source: 'local-ca',
    caUrls: [CA_URL],
    caFingerprint256: tls.info.caFingerprint256,
    names: tls.info.names,
    notAfter: tls.info.notAfter,
  };
}

/** What the bridge's config says while the station serves the person's own certificate. */
const GIVEN_TLS: DesktopTlsConfig = {
  lanUrls: ['wss://192.168.1.20:3443/websocket/test'],
  lanPageUrls: ['https://192.168.1.20:3443/'],
  source: 'given',
  caUrls: [],
  caFingerprint256: null,
  names: ['devbox.local', '192.168.1.20'],
  notAfter: '2027-03-01T12:00:00.000Z',
};

/** Whether anything in the element is wider than it (a horizontal scroll bar). */
async function overflows(page: Page, id: string): Promise<string | null> {
  const [scrollWidth = 0, clientWidth = 0] = await page.evaluate<number[]>(
    `(({ scrollWidth, clientWidth }) => [scrollWidth, clientWidth])(document.getElementById('${id}'))`,
  );
  return scrollWidth <= clientWidth ? null : `${scrollWidth} > ${clientWidth}`;
}

describe('the Share panel with wss:// on', () => {
  it('shows the TLS addresses, the CA to scan with its fingerprint, and the steps for each device', async (t) => {
    const host = await startLoopbackHost(t);
    const tls = await tlsConfig(tempFolder(t, 'share-tls'));
    for (const language of ['en', 'zh-CN'] as const) {
      for (const viewport of [DESKTOP_WINDOW, NARROW_WINDOW]) {
        const opened = await openHostWindow(t, host, { language, viewport, tls });
        const { page } = opened;
        assert.deepEqual(await page.locator('#share-list code').allTextContents(), [
          'http://192.168.1.20:3000/',
          'ws://192.168.1.20:3000/websocket/test',
          'https://192.168.1.20:3443/',
          'wss://192.168.1.20:3443/websocket/test',
        ]);
        assert.equal(await page.locator('#share-tls').isVisible(), true);
        // The code a phone scans is the CA's address, drawn by the same QR library the panel uses.
        const drawn = await page.locator('#share-ca-qr svg path').getAttribute('d');
        assert.equal(drawn, /\sd="([^"]+)"/.exec(renderSVG(CA_URL))?.[1]);
        const caption = await page.locator('#share-ca-qr-caption').textContent();
        assert.equal(caption, language === 'en' ? `Scan to download the CA: ${CA_URL}` : `扫码下载 CA：${CA_URL}`);
        assert.equal(await page.locator('#share-ca-qr').getAttribute('aria-label'), caption);
        assert.match(
          (await page.locator('#share-ca-fingerprint').textContent()) ?? '',
          new RegExp(tls.caFingerprint256 ?? 'none'),
        );
        const steps = await page.locator('#share-ca-steps summary').allTextContents();
        assert.deepEqual(
          steps,
          language === 'en'
            ? ['Android', 'iPhone and iPad', 'macOS', 'Windows', 'Firefox (its own trust store)']
            : ['Android', 'iPhone 和 iPad', 'macOS', 'Windows', 'Firefox（使用自己的信任库）'],
        );
        // A device's steps open from the keyboard, as the phone's own menus name them.
        const ios = page.locator('#share-ca-steps details').nth(1);
        await ios.locator('summary').focus();
        await page.keyboard.press('Enter');
        assert.match(
          await ios.locator('p').innerText(),
          language === 'en' ? /Settings → General → About → Certificate Trust Settings/ : /证书信任设置/,
        );
        await page.locator('#share-tls').scrollIntoViewIfNeeded();
        assert.equal(await overflows(page, 'share-panel'), null, 'nothing wider than the panel');
        assert.equal(await page.locator('#share-tls-given').isHidden(), true);
        assert.deepEqual(await seriousViolations(page), []);
        await screenshot(page, `share-tls-${language}-${viewport.width}`);
        assertNoPageErrors(opened);
        await page.context().close();
      }
    }
  });

  it('hides the CA while TLS is off', async (t) => {
    const host = await startLoopbackHost(t);
    const { page } = await openHostWindow(t, host);
    assert.equal(await page.locator('#share-tls').isHidden(), true);
    assert.equal(await page.locator('#share-list code').count(), 2);
  });

  it('says what a given certificate is valid for, with no CA to install', async (t) => {
    const host = await startLoopbackHost(t);
    for (const [language, viewport, expected] of [
      [
        'en',
        DESKTOP_WINDOW,
        'The station serves your own certificate, valid for devbox.local, 192.168.1.20 until 3/1/2027. Devices that trust the CA that issued it connect as they are; the station has no CA of its own to hand out.',
      ],
      [
        'zh-CN',
        NARROW_WINDOW,
        '本服务端使用你自己的证书，适用于 devbox.local, 192.168.1.20，有效期至 2027/3/1。信任其签发 CA 的设备可直接连接；本服务端没有自己的 CA 可供安装。',
      ],
    ] as const) {
      // The end date in the page's time zone, fixed so the sentence is the same wherever this runs.
      const opened = await openHostWindow(t, host, { language, viewport, tls: GIVEN_TLS, timezoneId: 'UTC' });
      const { page } = opened;
      assert.equal(await page.locator('#share-tls-given').innerText(), expected);
      assert.equal(await page.locator('#share-ca').isHidden(), true, 'no CA QR code, fingerprint or steps');
      assert.deepEqual((await page.locator('#share-list code').allTextContents()).slice(2), [
        'https://192.168.1.20:3443/',
        'wss://192.168.1.20:3443/websocket/test',
      ]);
      assert.equal(await overflows(page, 'share-panel'), null, 'nothing wider than the panel');
      assert.deepEqual(await seriousViolations(page), []);
      await page.locator('#share-tls').scrollIntoViewIfNeeded();
      await screenshot(page, `share-tls-given-${language}-${viewport.width}`);
      assertNoPageErrors(opened);
      await page.context().close();
    }
  });

  it('takes your own certificate and key from the file dialog in Settings, and marks the file a refusal is about', async (t) => {
    const host = await startLoopbackHost(t);
    const certificate = '/home/me/certs/devbox.local+3.pem';
    const key = '/home/me/certs/devbox.local+3-key.pem';
    const message = `wss:// could not start: ${key} is not the key of the certificate in ${certificate}.`;
    const opened = await openHostWindow(t, host, {
      chosenFiles: { certificate, key },
      saveResult: { ok: false, setting: 'tlsKeyFile', message },
    });
    const { page } = opened;
    await page.locator('#tab-settings').click();
    const given = page.locator('#setting-tls-source-given');
    assert.equal(await given.isDisabled(), true, 'the certificate waits for the switch');
    await page.locator('#setting-tls').check();
    assert.equal(await page.locator('#setting-tls-source-local-ca').isChecked(), true, 'the local CA by default');
    const chooseCertificate = page.getByRole('button', { name: 'Choose the certificate file' });
    assert.equal(await chooseCertificate.isDisabled(), true);
    await given.check();
    await page.locator('#setting-tls-cert-file-error', { hasText: 'Choose a file.' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#setting-tls-key-file-error').innerText(), 'Choose a file.');
    await page.locator('#apply-settings').click();
    await page
      .locator('#settings-result', { hasText: 'Correct the fields marked above.' })
      .waitFor({ timeout: WAIT_MS });

    // From the keyboard: the button opens the system's dialog (here the mock's answer).
    await chooseCertificate.focus();
    await page.keyboard.press('Enter');
    await page.locator('#setting-tls-cert-file[aria-invalid="false"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#setting-tls-cert-file-error').textContent(), '');
    assert.equal(await page.locator('#setting-tls-cert-file').inputValue(), certificate);
    await page.getByRole('button', { name: 'Choose the private key file' }).click();
    await page.locator('#setting-tls-key-file[aria-invalid="false"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#setting-tls-key-file').inputValue(), key);
    assert.equal(await page.locator('#setting-tls-key-file').getAttribute('readonly'), '', 'chosen, not typed');

    await page.locator('#apply-settings').click();
    await page.locator('#settings-result', { hasText: `Not applied: ${message}` }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#setting-tls-key-file-error').innerText(), message);
    assert.equal(await page.locator('#setting-tls-key-file').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#setting-tls-cert-file').getAttribute('aria-invalid'), 'false');
    const calls = await page.evaluate<unknown[][]>('window.__bridgeCalls');
    assert.deepEqual(
      calls.filter(([name]) => name === 'chooseTlsFile'),
      [
        ['chooseTlsFile', 'certificate', 'Choose the certificate file'],
        ['chooseTlsFile', 'key', 'Choose the private key file'],
      ],
    );
    const saved = calls.filter(([name]) => name === 'saveSettings').map(([, settings]) => settings);
    assert.equal(saved.length, 1, 'nothing saved while files were missing');
    assert.deepEqual(
      (({ tls, tlsSource, tlsCertFile, tlsKeyFile }) => ({ tls, tlsSource, tlsCertFile, tlsKeyFile }))(
        saved[0] as DesktopSettings,
      ),
      { tls: true, tlsSource: 'given', tlsCertFile: certificate, tlsKeyFile: key },
    );
    assert.equal(await overflows(page, 'settings-panel'), null, 'nothing wider than the panel');
    assert.deepEqual(await seriousViolations(page), []);
    await page.locator('#setting-tls-key-file').scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-own-certificate-en-1280');
    // Back to the local CA: the key is not in use, so nothing is said of it.
    await page.locator('#setting-tls-source-local-ca').check();
    await page.locator('#setting-tls-key-file[aria-invalid="false"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#setting-tls-key-file-error').textContent(), '');
    assert.equal(await page.locator('#setting-tls-key-file').isDisabled(), true);
    // Choosing the key again clears what was said about the old one.
    await given.check();
    assert.equal(await page.locator('#setting-tls-key-file-error').innerText(), message);
    await page.getByRole('button', { name: 'Choose the private key file' }).click();
    await page.locator('#setting-tls-key-file[aria-invalid="false"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#setting-tls-key-file-error').textContent(), '');
    // A station stopped at launch for its certificate file: said by that field too.
    const gone = `wss:// could not start: Cannot read the certificate file ${certificate} (ENOENT).`;
    await page.evaluate(
      `window.__pushStatus(${JSON.stringify({ running: false, error: gone, setting: 'tlsCertFile' })})`,
    );
    await page.locator('#setting-tls-cert-file-error', { hasText: gone }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#settings-result').innerText(), gone);
    assertNoPageErrors(opened);

    // The source may be chosen with TLS off, before any file; nothing asks for one then.
    const later = await openHostWindow(t, host);
    await later.page.locator('#tab-settings').click();
    await later.page.locator('#setting-tls').check();
    await later.page.locator('#setting-tls-source-given').check();
    await later.page.locator('#setting-tls').uncheck();
    assert.equal(await later.page.locator('#setting-tls-cert-file-error').textContent(), '');
    await later.page.locator('#apply-settings').click();
    await later.page.locator('#settings-result', { hasText: /^Applied\./ }).waitFor({ timeout: WAIT_MS });
    const laterCalls = await later.page.evaluate<unknown[][]>('window.__bridgeCalls');
    const laterSaved = laterCalls.filter(([name]) => name === 'saveSettings').map(([, settings]) => settings);
    assert.deepEqual(
      laterSaved.map((settings) =>
        (({ tls, tlsSource, tlsCertFile }: DesktopSettings) => ({ tls, tlsSource, tlsCertFile }))(
          settings as DesktopSettings,
        ),
      ),
      [{ tls: false, tlsSource: 'given', tlsCertFile: null }],
    );
    // What the station said of a field is gone once settings apply.
    await later.page.evaluate(
      `window.__pushStatus(${JSON.stringify({ running: false, error: 'Port 3000 is already in use.', setting: 'port' })})`,
    );
    await later.page
      .locator('#setting-port-error', { hasText: 'Port 3000 is already in use.' })
      .waitFor({ timeout: WAIT_MS });
    await later.page.locator('#apply-settings').click();
    await later.page.locator('#setting-port[aria-invalid="false"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await later.page.locator('#setting-port-error').textContent(), '');
    assertNoPageErrors(later);

    const chinese = await openHostWindow(t, host, {
      language: 'zh-CN',
      viewport: NARROW_WINDOW,
      settings: { ...DEFAULT_SETTINGS, tls: true, tlsSource: 'given', tlsCertFile: certificate, tlsKeyFile: key },
    });
    await chinese.page.locator('#tab-settings').click();
    assert.equal(await chinese.page.locator('#setting-tls-source-given').isChecked(), true);
    assert.equal(await chinese.page.locator('#setting-tls-cert-file').inputValue(), certificate);
    assert.equal(
      await chinese.page.getByRole('button', { name: '选择证书文件' }).isEnabled(),
      true,
      'the saved files, ready to change',
    );
    assert.equal(await overflows(chinese.page, 'settings-panel'), null, 'nothing wider than the panel');
    await chinese.page.locator('#setting-tls-key-file').scrollIntoViewIfNeeded();
    await screenshot(chinese.page, 'settings-own-certificate-zh-CN-900');
    assertNoPageErrors(chinese);
  });

  it('turns TLS on from Settings, with its port, and shows why when it could not', async (t) => {
    const host = await startLoopbackHost(t);
    const message =
      'wss:// could not start: /home/me/.config/WS Station/tls has ca.crt but not all of ca.crt, intermediate.crt, intermediate.key: move the folder aside to make a new CA.';
    const opened = await openHostWindow(t, host, { saveResult: { ok: false, setting: 'tls', message } });
    const { page } = opened;
    await page.locator('#tab-settings').click();
    assert.equal(await page.locator('#setting-tls').isChecked(), false);
    assert.equal(await page.locator('#setting-tls-port').inputValue(), '3443');
    assert.equal(await page.locator('#setting-tls-port').isDisabled(), true, 'the port waits for the switch');
    await page.locator('#setting-tls').check();
    assert.equal(await page.locator('#setting-tls-port').isEnabled(), true);
    await page.locator('#setting-tls-port').fill('70000');
    await page
      .locator('#setting-tls-port-error', { hasText: 'a whole number from 0 to 65535' })
      .waitFor({ timeout: WAIT_MS });
    await page.locator('#setting-tls-port').fill('8443');
    await page.locator('#apply-settings').click();
    await page.locator('#settings-result', { hasText: `Not applied: ${message}` }).waitFor({ timeout: WAIT_MS });
    const calls = await page.evaluate<unknown[][]>('window.__bridgeCalls');
    const saved = calls.filter(([name]) => name === 'saveSettings').map(([, settings]) => settings) as Record<
      string,
      unknown
    >[];
    assert.equal(saved.length, 1);
    assert.equal(saved[0]?.tls, true);
    assert.equal(saved[0].tlsPort, 8443);
    await screenshot(page, 'settings-tls-en');
    assertNoPageErrors(opened);

    const chinese = await openHostWindow(t, host, { language: 'zh-CN', viewport: NARROW_WINDOW });
    await chinese.page.locator('#tab-settings').click();
    await chinese.page.locator('#setting-tls').check();
    assert.equal(
      (await chinese.page.locator('label', { has: chinese.page.locator('#setting-tls') }).innerText()).trim(),
      '同时提供 wss:// 和 https://',
    );
    await screenshot(chinese.page, 'settings-tls-zh-CN-900');
    assertNoPageErrors(chinese);
  });
});
