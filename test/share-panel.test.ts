/**
 * The desktop window's Share panel while the station serves wss:// (Chromium, a mock bridge on a
 * real station): the wss:// and https:// addresses, the CA's QR code and fingerprint, and how to
 * install the CA on each kind of device; and the Settings switch that turns TLS on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderSVG } from 'uqr';
import type { DesktopTlsConfig } from '../common/desktop';
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
    caUrls: [CA_URL],
    caFingerprint256: tls.info.caFingerprint256,
    notAfter: tls.info.notAfter,
  };
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
        const [scrollWidth, clientWidth] = await page.evaluate<number[]>(
          `(({ scrollWidth, clientWidth }) => [scrollWidth, clientWidth])(document.getElementById('share-panel'))`,
        );
        assert.ok(
          (scrollWidth ?? 0) <= (clientWidth ?? 0),
          `nothing wider than the panel: ${scrollWidth} > ${clientWidth}`,
        );
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
      '同时提供 wss:// 和 https://（证书来自本应用自己的 CA）',
    );
    await screenshot(chinese.page, 'settings-tls-zh-CN-900');
    assertNoPageErrors(chinese);
  });
});
