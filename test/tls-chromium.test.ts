/**
 * The client page over https:// and wss:// in Chromium, which trusts the station's local CA the
 * way a person's machine would once it is installed: in an NSS database (Chromium's trust store on
 * Linux), made for this test in a HOME of its own. Verification stays on: nothing is ignored.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseStationConfig } from '../main/station/config';
import { startStation } from '../main/station/station';
import { CA_FILES } from '../main/station/tls/ca-folder';
import { localCaTls } from '../main/station/tls/station-tls';
import { assertNoPageErrors, launchBrowser, openPage, screenshot } from './helpers/browser';
import { tempFolder } from './helpers/temp-folder';

const WAIT_MS = 5000;

/** A HOME whose NSS database trusts `caFile` to identify servers (certutil's "C" trust). */
function homeTrusting(home: string, caFile: string): string {
  const database = join(home, '.pki', 'nssdb');
  mkdirSync(database, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${database}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${database}`, '-n', 'WS Station local CA', '-t', 'C,,', '-i', caFile]);
  return home;
}

describe('the client page over https:// in Chromium', () => {
  it('connects with wss:// when the CA is trusted: greeting, ticks and echo', async (t) => {
    const folder = tempFolder(t, 'tls-chromium');
    const tls = await localCaTls(join(folder, 'ca'), '127.0.0.1', 'WS Station');
    const station = await startStation(parseStationConfig({ host: '127.0.0.1', port: 0, tlsPort: 0, tickMs: 200 }), {
      tls,
    });
    t.after(() => station.close());
    const home = homeTrusting(join(folder, 'home'), join(folder, 'ca', CA_FILES.root));
    const browser = await launchBrowser(t, undefined, { ...process.env, HOME: home });

    const opened = await openPage(browser, `https://localhost:${station.tlsPort}/`);
    const { page } = opened;
    assert.equal(await page.locator('#url').textContent(), `wss://localhost:${station.tlsPort}/websocket/test`);
    await page.locator('#state-pill', { hasText: 'Connected' }).waitFor({ timeout: WAIT_MS });
    await page.locator('.log-row[data-kind="greeting"] .text', { hasText: '连接成功' }).waitFor({ timeout: WAIT_MS });
    await page.locator('.log-row[data-kind="tick"]').first().waitFor({ timeout: WAIT_MS });
    await page.locator('#message').fill('over wss');
    await page.locator('#message').press('Enter');
    await page.locator('.log-row[data-kind="echo"] .text', { hasText: 'over wss' }).waitFor({ timeout: WAIT_MS });
    await screenshot(page, 'client-over-wss');
    const [peer] = station.status().peers;
    assert.equal(peer?.origin, `https://localhost:${station.tlsPort}`);
    assertNoPageErrors(opened);
  });

  it('refuses the page while the CA is not trusted, and the station hears the refusal', async (t) => {
    const folder = tempFolder(t, 'tls-chromium');
    const tls = await localCaTls(join(folder, 'ca'), '127.0.0.1', 'WS Station');
    const station = await startStation(parseStationConfig({ host: '127.0.0.1', port: 0, tlsPort: 0 }), { tls });
    t.after(() => station.close());
    const home = join(folder, 'home');
    mkdirSync(home);
    const browser = await launchBrowser(t, undefined, { ...process.env, HOME: home });
    const page = await browser.newPage();
    await assert.rejects(page.goto(`https://localhost:${station.tlsPort}/`), /ERR_CERT_AUTHORITY_INVALID/);
    assert.ok((station.status().totals.refusedConnections['tls-certificate-refused'] ?? 0) >= 1);
  });
});
