/**
 * The Settings panel: the form filled from the bridge, each field checked as typed and marked in
 * words, the certificate files chosen in the system's dialog, and applying (which restarts the
 * station) confirmed first while peers are connected.
 */
import type { Language, StationBridge } from '../../common/client-config';
import { TLS_FILE_SETTINGS, type DesktopSettings, type DesktopStatus } from '../../common/desktop';
import type { TlsFileKind } from '../../common/station-status';
import { SETTING_RANGES, TOKEN_MIN_LENGTH, TOKEN_PATTERN } from '../../common/setting-ranges';
import { byId } from '../dom';
import type { MessageKey, Translate } from '../i18n';

const element = (id: string) => byId(id, HTMLElement);
const input = (id: string) => byId(id, HTMLInputElement);

/** The settings typed as numbers: their field and the range they must be in. */
const NUMBER_FIELDS = [
  ['port', 'setting-port'],
  ['tlsPort', 'setting-tls-port'],
  ['tickMs', 'setting-tick-ms'],
  ['maxConnectionsPerAddress', 'setting-max-connections'],
  ['maxPendingPerAddress', 'setting-max-pending'],
  ['maxMessagesPerSecond', 'setting-max-message-rate'],
] as const satisfies readonly (readonly [keyof typeof SETTING_RANGES, string])[];

/** The certificate's files: their setting, field, button, dialog and the dialog's title. */
const FILE_FIELDS = [
  [TLS_FILE_SETTINGS.certificate, 'setting-tls-cert-file', 'choose-tls-cert-file', 'certificate', 'chooseTlsCertFile'],
  [TLS_FILE_SETTINGS.key, 'setting-tls-key-file', 'choose-tls-key-file', 'key', 'chooseTlsKeyFile'],
] as const satisfies readonly (readonly [keyof DesktopSettings, string, string, TlsFileKind, MessageKey])[];

type FieldSetting = (typeof NUMBER_FIELDS)[number][0] | (typeof FILE_FIELDS)[number][0];

export class SettingsPanel {
  #t: Translate;
  #settings: DesktopSettings | undefined;
  #peerCount = 0;
  /** Why the station refused a field's value, shown by it until that field changes or a save succeeds. */
  readonly #refusals = new Map<FieldSetting, string>();
  /** Why the station is stopped, as last said: marked by its field once, not again every second. */
  #stoppedFor: string | null = null;

  constructor(
    private readonly bridge: StationBridge,
    t: Translate,
  ) {
    this.#t = t;
    element('settings-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#askToApply();
    });
    element('confirm-restart').addEventListener('click', () => void this.#apply());
    element('cancel-restart').addEventListener('click', () => (element('settings-confirm').hidden = true));
    for (const [name, id] of NUMBER_FIELDS) input(id).addEventListener('input', () => this.#changed(name));
    for (const [name, id, button, kind, title] of FILE_FIELDS) {
      byId(button, HTMLButtonElement).addEventListener('click', () => {
        void this.bridge.chooseTlsFile(kind, this.#t(title)).then((path) => {
          if (path === null) return;
          showPath(input(id), path);
          this.#changed(name);
        });
      });
    }
    for (const id of ['setting-token', 'setting-token-enabled', 'setting-tls', ...SOURCE_IDS]) {
      input(id).addEventListener(id === 'setting-token' ? 'input' : 'change', () => this.#validate());
    }
    element('generate-token').addEventListener('click', () => {
      input('setting-token').value = randomToken();
      input('setting-token-enabled').checked = true;
      this.#validate();
    });
    void bridge.getSettings().then((settings) => {
      this.#settings = settings;
      this.#fill(settings);
    });
  }

  setTranslator(t: Translate): void {
    this.#t = t;
    this.#validate();
  }

  /** The panel came into view: paths filled while it was hidden had no width to scroll in. */
  shown(): void {
    for (const [, id] of FILE_FIELDS) showPath(input(id), input(id).value);
  }

  /** The peers connected now (applying asks first when there are any), and why a stopped station stopped. */
  follow(status: DesktopStatus): void {
    this.#peerCount = status.running ? status.status.peers.length : 0;
    const stoppedFor = status.running ? null : status.error;
    if (stoppedFor === this.#stoppedFor) return;
    this.#stoppedFor = stoppedFor;
    if (status.running) return;
    element('settings-result').textContent = status.error;
    if (isFieldSetting(status.setting)) {
      this.#refusals.set(status.setting, status.error);
      this.#validate();
    }
  }

  /**
   * The header's language switch is the app's language setting too. Only the language changes,
   * so the station is not restarted for it.
   */
  saveLanguage(language: Language): void {
    const settings = this.#settings;
    if (!settings || settings.language === language) return;
    void this.bridge.saveSettings({ ...settings, language }).then((outcome) => {
      if (outcome.ok) this.#settings = outcome.settings;
    });
  }

  #fill(settings: DesktopSettings): void {
    input('setting-port').value = String(settings.port);
    input('setting-lan').checked = settings.lanAccess;
    input('setting-tick-ms').value = String(settings.tickMs);
    input('setting-max-connections').value = String(settings.maxConnectionsPerAddress);
    input('setting-max-pending').value = String(settings.maxPendingPerAddress);
    input('setting-max-message-rate').value = String(settings.maxMessagesPerSecond);
    input('setting-deflate').checked = settings.deflate;
    input('setting-tls').checked = settings.tls;
    input('setting-tls-port').value = String(settings.tlsPort);
    input(`setting-tls-source-${settings.tlsSource}`).checked = true;
    for (const [name, id] of FILE_FIELDS) showPath(input(id), settings[name] ?? '');
    input('setting-token-enabled').checked = settings.tokenEnabled;
    input('setting-token').value = settings.token ?? '';
    this.#validate();
  }

  #changed(setting: FieldSetting): void {
    this.#refusals.delete(setting);
    this.#validate();
  }

  /** Marks each field that cannot be applied, in words; true when all can. */
  #validate(): boolean {
    // TLS's port, source and files are kept while TLS is off, but cannot be edited then.
    const tlsOn = input('setting-tls').checked;
    input('setting-tls-port').disabled = !tlsOn;
    for (const id of SOURCE_IDS) input(id).disabled = !tlsOn;
    const filesInUse = tlsOn && input('setting-tls-source-given').checked;
    for (const [, id, button] of FILE_FIELDS) {
      input(id).disabled = !filesInUse;
      byId(button, HTMLButtonElement).disabled = !filesInUse;
    }
    let valid = true;
    // A field not in use is not checked, and says nothing, not even what the station said of it.
    const mark = (setting: FieldSetting, id: string, problem: string) => {
      const inUse = !input(id).disabled;
      const shown = inUse ? problem || this.#refusals.get(setting) || '' : '';
      valid &&= !inUse || problem === '';
      input(id).setAttribute('aria-invalid', String(shown !== ''));
      element(`${id}-error`).textContent = shown;
    };
    for (const [name, id] of NUMBER_FIELDS) {
      const text = input(id).value.trim();
      const { min, max } = SETTING_RANGES[name];
      const ok = /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max;
      mark(name, id, ok ? '' : this.#t('invalidWholeNumber', { min, max }));
    }
    for (const [name, id] of FILE_FIELDS) mark(name, id, input(id).value === '' ? this.#t('fileNeeded') : '');
    const tokenOn = input('setting-token-enabled').checked;
    const token = input('setting-token');
    // The token is kept while off (turning it on restores it), but cannot be edited then.
    token.disabled = !tokenOn;
    const tokenOk = !tokenOn || TOKEN_PATTERN.test(token.value.trim());
    valid &&= tokenOk;
    token.setAttribute('aria-invalid', String(!tokenOk));
    const tokenProblem = tokenOk ? '' : this.#t('tokenNeeded', { min: TOKEN_MIN_LENGTH });
    token.setCustomValidity(tokenProblem);
    token.title = tokenProblem;
    return valid;
  }

  /** Applying drops every peer: with peers connected, the person confirms first. */
  #askToApply(): void {
    const result = element('settings-result');
    if (!this.#validate()) {
      result.textContent = this.#t('settingsHaveErrors');
      return;
    }
    result.textContent = '';
    const count = this.#peerCount;
    if (count === 0) {
      void this.#apply();
      return;
    }
    element('settings-confirm-text').textContent = this.#t('restartConfirm', { count });
    element('settings-confirm').hidden = false;
    element('confirm-restart').focus();
  }

  async #apply(): Promise<void> {
    element('settings-confirm').hidden = true;
    const token = input('setting-token').value.trim();
    const file = (id: string) => (input(id).value === '' ? null : input(id).value);
    const settings: DesktopSettings = {
      port: Number(input('setting-port').value),
      lanAccess: input('setting-lan').checked,
      tickMs: Number(input('setting-tick-ms').value),
      maxConnectionsPerAddress: Number(input('setting-max-connections').value),
      maxPendingPerAddress: Number(input('setting-max-pending').value),
      maxMessagesPerSecond: Number(input('setting-max-message-rate').value),
      deflate: input('setting-deflate').checked,
      tls: input('setting-tls').checked,
      tlsPort: Number(input('setting-tls-port').value),
      tlsSource: input('setting-tls-source-given').checked ? 'given' : 'local-ca',
      tlsCertFile: file('setting-tls-cert-file'),
      tlsKeyFile: file('setting-tls-key-file'),
      tokenEnabled: input('setting-token-enabled').checked,
      token: token === '' ? null : token,
      language: this.#settings?.language ?? null,
    };
    const result = element('settings-result');
    result.textContent = this.#t('applying');
    const outcome = await this.bridge.saveSettings(settings);
    result.textContent = outcome.ok
      ? this.#t('applied', { urls: outcome.urls.join('  ') })
      : this.#t('notApplied', { message: outcome.message });
    if (outcome.ok) {
      this.#settings = outcome.settings;
      this.#refusals.clear();
    } else if (isFieldSetting(outcome.setting)) {
      // Also by the field it is about, when it is one of the form's.
      this.#refusals.set(outcome.setting, outcome.message);
    }
    this.#validate();
  }
}

const SOURCE_IDS = ['setting-tls-source-local-ca', 'setting-tls-source-given'];

/** A path in its field, scrolled to its end: the file's name says more than the folders before it. */
function showPath(field: HTMLInputElement, path: string): void {
  field.value = path;
  field.title = path;
  field.scrollLeft = field.scrollWidth;
}

function isFieldSetting(setting: string): setting is FieldSetting {
  return [...NUMBER_FIELDS, ...FILE_FIELDS].some(([name]) => name === setting);
}

/** 24 URL-safe characters from the browser's CSPRNG, like the station's own generated tokens. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}
