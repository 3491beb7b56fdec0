/**
 * The desktop window's Endpoints panel in a real browser (Debian's Chromium), with a mock bridge
 * whose endpoint functions a real StationHost answers, and the station it runs serving the page:
 * what a person edits, tries and applies is what peers get.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright';
import type { Language } from '../common/client-config';
import type { StationHost } from '../main/desktop/station-host';
import { loadDefinitions } from '../main/station/endpoints/definitions';
import { assertNoPageErrors, screenshot, type OpenedPage } from './helpers/browser';
import { openClient } from './helpers/client';
import { CONTRACT } from './helpers/endpoints-contract';
import { DESKTOP_WINDOW, NARROW_WINDOW, openHostWindow, startLoopbackHost } from './helpers/host-window';
import { tempFolder } from './helpers/temp-folder';

const WAIT_MS = 5000;
async function openWindow(
  t: TestContext,
  host: StationHost,
  options: { language?: Language; viewport?: { width: number; height: number } } = {},
): Promise<OpenedPage> {
  const opened = await openHostWindow(t, host, { ...options, acceptDownloads: true });
  await opened.page.locator('#tab-endpoints').click();
  return opened;
}

/** Replaces the editor's text as a person would: select all, then type (paste) the new one. */
async function typeInEditor(page: Page, text: string): Promise<void> {
  await page.locator('#endpoint-editor .cm-content').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}

async function editorText(page: Page): Promise<string> {
  return (await page.locator('#endpoint-editor .cm-line').allTextContents()).join('\n');
}

const login = JSON.stringify(CONTRACT.endpoints[1], null, 2);

describe('Endpoints panel (desktop window, mock bridge, real station host)', () => {
  it('writes a new endpoint, marks its problem where it is, tries it, applies it, and peers get it', async (t) => {
    const host = await startLoopbackHost(t);
    const opened = await openWindow(t, host);
    const { page } = opened;
    await page.locator('#no-endpoints', { hasText: 'No scripted endpoints' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#endpoint-editor').isHidden(), true);

    await page.locator('#endpoint-add').click();
    await page.locator('#endpoint-list button[aria-current="true"]', { hasText: '/endpoint-1' }).waitFor();
    await page.locator('#endpoint-editor .cm-content').waitFor({ timeout: WAIT_MS });
    assert.match(await editorText(page), /"path": "\/endpoint-1"/);
    await page.locator('#endpoint-editor-title', { hasText: 'Definition of /endpoint-1' }).waitFor();

    // A misspelt key: said in words, marked in the editor, flagged in the list.
    await typeInEditor(page, login.replace('"setState"', '"setStat"'));
    await page
      .locator('#endpoint-problem', { hasText: 'rules[0] (line 13, column 7): unknown key "setStat"' })
      .waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#endpoint-editor .cm-lintRange-error').textContent(), '"setStat": "in"');
    await page.locator('#endpoint-list button', { hasText: '/login (has a problem)' }).waitFor();
    await screenshot(page, 'endpoints-problem-en');

    await typeInEditor(page, login);
    await page.locator('#endpoint-problem:empty').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#endpoint-editor .cm-lintRange-error').count(), 0);
    await page.locator('#endpoints-state', { hasText: 'Changes not applied yet.' }).waitFor();

    // Try it: the rule that fires and what it would send; nothing is sent.
    await page.locator('#try-message').fill('secret');
    await page.locator('#try-send').click();
    await page.locator('#try-result', { hasText: 'rules[0] fires: it sends to the sender at once:' }).waitFor();
    assert.deepEqual(await page.locator('#try-result .try-payload').allTextContents(), ['welcome']);
    await page.locator('#try-result', { hasText: 'The peer’s state becomes "in".' }).waitFor();
    await page.locator('#try-state').fill('in');
    await page.locator('#try-message').fill('whoami');
    await page.locator('#try-message').press('Enter');
    await page.locator('#try-result .try-payload', { hasText: 'member 0' }).waitFor({ timeout: WAIT_MS });
    await page.locator('#try-message').fill('hello');
    await page.locator('#try-send').click();
    await page.locator('#try-result', { hasText: 'No rule fires: the message is echoed back.' }).waitFor();
    await page.locator('#try-mode').selectOption('binary');
    await page.locator('#try-message').fill('zz');
    await page.locator('#try-send').click();
    await page.locator('#try-result', { hasText: 'Hex must be pairs of the digits' }).waitFor({ timeout: WAIT_MS });
    assert.equal(host.station?.endpoints.get('/login'), undefined, 'not served before Apply');
    await screenshot(page, 'endpoints-try-en');

    await page.locator('#endpoints-apply').click();
    await page
      .locator('#endpoints-result', {
        hasText: 'Applied: /login served now. Peers of unchanged endpoints stay connected.',
      })
      .waitFor({ timeout: WAIT_MS });
    await page.locator('#endpoints-state', { hasText: 'These are the endpoints served.' }).waitFor();
    const peer = await openClient(`ws://127.0.0.1:${host.station?.port}/login`, ['graphql-transport-ws'], {
      headers: { 'User-Agent': 'endpoints-panel-peer' },
    });
    peer.socket.send('secret');
    assert.equal((await peer.inbox.next()).data.toString(), 'welcome');

    // The Peers panel says which endpoint each peer is on.
    await page.evaluate(`window.__pushStatus(${JSON.stringify(host.status())})`);
    await page.locator('#tab-peers').click();
    const row = page.locator('#peers-body tr', { hasText: 'endpoints-panel-peer' });
    assert.equal(await row.locator('td.address .peer-endpoint').textContent(), 'endpoint /login');
    await screenshot(page, 'endpoints-peers-en');
    peer.socket.close();
    assertNoPageErrors(opened);
  });

  it('imports a definitions file, exports what it shows, and refuses a file that is not one', async (t) => {
    const host = await startLoopbackHost(t);
    const { page } = await openWindow(t, host);
    const folder = tempFolder(t, 'endpoints-panel');
    const file = join(folder, 'mine.json');
    writeFileSync(file, JSON.stringify(CONTRACT, null, 4));
    await page.locator('#endpoints-file').setInputFiles(file);
    await page.locator('#endpoints-result', { hasText: '2 endpoint(s) imported from mine.json' }).waitFor();
    assert.deepEqual(await page.locator('#endpoint-list button').allTextContents(), ['/prices', '/login']);
    await page.locator('#endpoint-list button', { hasText: '/login' }).click();
    await page.locator('#endpoint-editor-title', { hasText: 'Definition of /login' }).waitFor();
    assert.equal(JSON.stringify(JSON.parse(await editorText(page))), JSON.stringify(CONTRACT.endpoints[1]));

    const download = page.waitForEvent('download');
    await page.locator('#endpoints-export').click();
    const saved = join(folder, 'exported.json');
    await (await download).saveAs(saved);
    const exported = readFileSync(saved, 'utf8');
    assert.deepEqual(loadDefinitions(exported).definitions, CONTRACT, 'a file --endpoints serves as it is');

    // Removing one is a draft until Apply; a file that is not definitions changes nothing.
    await page.locator('#endpoint-remove').click();
    assert.deepEqual(await page.locator('#endpoint-list button').allTextContents(), ['/prices']);
    const notDefinitions = join(folder, 'list.json');
    writeFileSync(notDefinitions, '[1, 2]');
    await page.locator('#endpoints-file').setInputFiles(notDefinitions);
    await page
      .locator('#endpoints-result', { hasText: 'list.json is not a definitions file: JSON with an "endpoints" list.' })
      .waitFor();
    assert.deepEqual(await page.locator('#endpoint-list button').allTextContents(), ['/prices']);
    await page.locator('#endpoints-apply').click();
    await page.locator('#endpoints-result', { hasText: 'Applied: /prices served now.' }).waitFor();
    assert.deepEqual(host.endpointTexts(), [JSON.stringify(CONTRACT.endpoints[0], null, 4)], 'as the file had it');
  });

  it('is used from the keyboard: Tab goes into the editor and out of it, Enter tries a message', async (t) => {
    const host = await startLoopbackHost(t);
    assert.ok(host.applyEndpoints([login]).ok);
    const { page } = await openWindow(t, host);
    await page.locator('#endpoint-editor .cm-content').waitFor({ timeout: WAIT_MS });
    await page.locator('#endpoints-export').focus();
    await page.keyboard.press('Tab');
    assert.equal(
      await page.evaluate('document.activeElement?.shadowRoot?.activeElement?.className'),
      'cm-content cm-lineWrapping',
      'Tab from Export lands in the editor',
    );
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.id'), 'endpoints-apply', 'and Tab leaves it: no trap');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type(' ');
    assert.match(await editorText(page), /\} $/, 'typed into the editor, not indented by Tab');
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.id'), 'try-message');
    await page.keyboard.type('secret');
    await page.keyboard.press('Enter');
    await page.locator('#try-result .try-payload', { hasText: 'welcome' }).waitFor({ timeout: WAIT_MS });
  });

  for (const language of ['en', 'zh-CN'] as const) {
    for (const [size, viewport] of [
      ['window', DESKTOP_WINDOW],
      ['narrow', NARROW_WINDOW],
    ] as const) {
      it(`shows the panel in ${language}, ${size} (screenshot)`, async (t) => {
        const host = await startLoopbackHost(t);
        assert.ok(host.applyEndpoints(CONTRACT.endpoints.map((endpoint) => JSON.stringify(endpoint, null, 2))).ok);
        const opened = await openWindow(t, host, { language, viewport });
        const { page } = opened;
        await page.locator('#endpoint-editor .cm-content').waitFor({ timeout: WAIT_MS });
        await page.locator('#try-message').fill('ping');
        await page.locator('#try-send').click();
        await page.locator('#try-result .try-payload', { hasText: 'pong' }).waitFor({ timeout: WAIT_MS });
        await screenshot(page, `endpoints-${language}-${size}`);
        const editor = await page.locator('#endpoint-editor').boundingBox();
        const panel = await page.locator('#host-panels').boundingBox();
        assert.ok(editor && panel);
        assert.ok(
          editor.x >= panel.x && editor.x + editor.width <= panel.x + panel.width,
          `editor inside its panel: ${JSON.stringify({ editor, panel })}`,
        );
        assertNoPageErrors(opened);
      });
    }
  }
});
