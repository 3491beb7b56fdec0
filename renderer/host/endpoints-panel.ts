/**
 * The desktop window's Endpoints panel: the scripted endpoints (docs/ENDPOINTS.md) as a list, an
 * editor for one endpoint's definition with its problems marked where they are, Try it, Apply,
 * and import and export of the definitions file. Everything is checked, tried and applied by the
 * main process through the bridge: templates compile only there, and this page keeps its CSP.
 */
import type { StationBridge } from '../../common/client-config';
import type { EndpointsCheck, EndpointTryResult, TriedSend } from '../../common/desktop';
import { joinEndpointTexts, splitEndpointTexts } from '../../common/endpoints-text';
import { byId, download } from '../dom';
import type * as EditorModule from './endpoint-editor';
import type { EditorProblem, EndpointEditor } from './endpoint-editor';
import type { MessageKey, Translate } from '../i18n';
import { parseOutgoing, toHex, type SendMode } from '../send-input';

const element = (id: string) => byId(id, HTMLElement);
const button = (id: string) => byId(id, HTMLButtonElement);

/** Where the build puts the editor's script, and the global it leaves its exports on (scripts/build-bundles.mjs). */
const EDITOR_SCRIPT = 'endpoint-editor.js';
const EDITOR_GLOBAL = 'wsStationEditor';
/** What the exported file is called. */
const EXPORT_NAME = 'endpoints.json';

/** A new endpoint's definition: a path not taken and one rule to start from. */
function newEndpointText(taken: readonly string[]): string {
  let number = taken.length + 1;
  while (taken.includes(`/endpoint-${number}`)) number += 1;
  const rule = '{ "match": { "text": "ping" }, "send": "pong" }';
  return `{\n  "path": "/endpoint-${number}",\n  "rules": [\n    ${rule}\n  ]\n}`;
}

/** The path an endpoint's text gives, when it is JSON enough to say. */
function pathOf(text: string): string | null {
  try {
    const path = (JSON.parse(text) as { path?: unknown }).path;
    return typeof path === 'string' ? path : null;
  } catch {
    return null;
  }
}

export class EndpointsPanel {
  #t: Translate;
  /** CodeMirror's own words in the page's language, made once per language. */
  #phrases: Record<string, string>;
  /** The texts being edited, one per endpoint, and the ones the station serves. */
  #texts: string[] = [];
  #applied: string[] = [];
  #selected = 0;
  #problem: Extract<EndpointsCheck, { ok: false }> | null = null;
  #editor: EndpointEditor | undefined;
  #editorRequested = false;

  constructor(
    private readonly bridge: StationBridge,
    t: Translate,
  ) {
    this.#t = t;
    this.#phrases = editorPhrases(t);
    element('endpoint-list').addEventListener('click', (event) => {
      const item = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-part]');
      if (item) this.#select(Number(item.dataset.part));
    });
    button('endpoint-add').addEventListener('click', () => {
      this.#texts.push(newEndpointText(this.#texts.map((text) => pathOf(text) ?? '')));
      this.#select(this.#texts.length - 1);
      this.#editor?.focus();
      void this.#check();
    });
    button('endpoint-remove').addEventListener('click', () => {
      this.#texts.splice(this.#selected, 1);
      this.#select(Math.min(this.#selected, this.#texts.length - 1));
      void this.#check();
    });
    button('endpoints-import').addEventListener('click', () => byId('endpoints-file', HTMLInputElement).click());
    byId('endpoints-file', HTMLInputElement).addEventListener('change', (event) => {
      const input = event.target as HTMLInputElement;
      const file = input.files?.[0];
      input.value = '';
      if (file) void file.text().then((text) => this.#import(file.name, text));
    });
    button('endpoints-export').addEventListener('click', () =>
      download(EXPORT_NAME, 'application/json', joinEndpointTexts(this.#texts)),
    );
    button('endpoints-apply').addEventListener('click', () => void this.#apply());
    byId('endpoint-try', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#try();
    });
    void bridge.getEndpoints().then((texts) => {
      this.#applied = texts;
      this.#texts = [...texts];
      this.#select(0);
    });
  }

  /** Loads the editor the first time the panel is shown. */
  shown(): void {
    if (this.#editorRequested) return;
    this.#editorRequested = true;
    void loadEditor().then(
      (module) => {
        this.#editor = module.createEndpointEditor(element('endpoint-editor'), {
          label: this.#editorLabel(),
          phrases: this.#phrases,
          onChange: (text) => {
            if (this.#texts.length === 0) return;
            this.#texts[this.#selected] = text;
            this.#renderList();
          },
          check: () => this.#check(),
        });
        this.#select(this.#selected);
      },
      () => {
        element('endpoint-problem').textContent = this.#t('editorNotLoaded');
      },
    );
  }

  setTranslator(t: Translate): void {
    this.#t = t;
    this.#phrases = editorPhrases(t);
    this.#render();
  }

  #select(index: number): void {
    this.#selected = Math.max(0, index);
    const text = this.#texts[this.#selected];
    element('endpoint-editor').hidden = text === undefined;
    byId('endpoint-try', HTMLFormElement).hidden = text === undefined;
    if (text !== undefined && this.#editor && this.#editor.text !== text) this.#editor.show(text);
    element('try-result').replaceChildren();
    this.#render();
  }

  #import(name: string, file: string): void {
    const texts = splitEndpointTexts(file);
    if (texts === null) {
      element('endpoints-result').textContent = this.#t('importNotDefinitions', { name });
      return;
    }
    this.#texts = texts;
    this.#select(0);
    element('endpoints-result').textContent = this.#t('imported', { name, count: texts.length });
    void this.#check();
  }

  /** Checks every text; the selected one's problem is returned for its editor to mark. */
  async #check(): Promise<EditorProblem | null> {
    const texts = [...this.#texts];
    const check = await this.bridge.checkEndpoints(texts);
    // A later edit has already asked again: this answer is about older texts.
    if (texts.some((text, index) => this.#texts[index] !== text) || texts.length !== this.#texts.length) return null;
    this.#problem = check.ok ? null : check;
    this.#render();
    return this.#problem?.part === this.#selected ? this.#problem : null;
  }

  async #apply(): Promise<void> {
    const texts = [...this.#texts];
    const result = element('endpoints-result');
    const outcome = await this.bridge.applyEndpoints(texts);
    this.#problem = outcome.ok ? null : outcome;
    if (outcome.ok) {
      this.#applied = texts;
      result.textContent =
        outcome.paths.length === 0
          ? this.#t('endpointsAppliedNone')
          : this.#t('endpointsApplied', { paths: outcome.paths.join(', ') });
    } else {
      result.textContent = this.#t('endpointsNotApplied');
      if (outcome.part !== null && outcome.part !== this.#selected) this.#select(outcome.part);
    }
    this.#render();
  }

  async #try(): Promise<void> {
    const text = this.#texts[this.#selected];
    const out = element('try-result');
    if (text === undefined) return;
    const mode = byId('try-mode', HTMLSelectElement).value as SendMode;
    const parsed = parseOutgoing(mode, byId('try-message', HTMLInputElement).value);
    if (!parsed.ok) {
      out.replaceChildren(paragraph(this.#t(parsed.error, { detail: parsed.detail ?? '' })));
      return;
    }
    const message =
      typeof parsed.value === 'string'
        ? { binary: false as const, text: parsed.value }
        : { binary: true as const, bytes: parsed.value };
    const state = byId('try-state', HTMLInputElement).value.trim() || 'start';
    out.replaceChildren(...this.#describeTry(await this.bridge.tryEndpoint({ text, message, state })));
  }

  #describeTry(result: EndpointTryResult): HTMLElement[] {
    if (!result.ok) return [paragraph(this.#t('tryDefinitionProblem', { message: result.message }))];
    if (result.rule === null) {
      return [paragraph(this.#t(result.fallback === 'echo' ? 'tryNoRuleEcho' : 'tryNoRuleNone'))];
    }
    const [min, max] = result.delayMs ?? [0, 0];
    const when =
      result.delayMs === null
        ? this.#t('tryAtOnce')
        : min === max
          ? this.#t('tryAfter', { ms: min })
          : this.#t('tryAfterBetween', { min, max });
    const lines = [
      paragraph(
        this.#t(result.sends.length === 0 ? 'tryRuleSendsNothing' : 'tryRuleFires', {
          rule: `rules[${result.rule}]`,
          to: this.#t(TO_KEYS[result.to]),
          when,
        }),
      ),
      ...result.sends.map((send) => this.#describeSend(send)),
    ];
    if (result.setState !== null) lines.push(paragraph(this.#t('trySetsState', { state: result.setState })));
    if (result.close !== null) {
      lines.push(paragraph(this.#t('tryCloses', { code: result.close.code, reason: result.close.reason })));
    }
    return lines;
  }

  #describeSend(send: TriedSend): HTMLElement {
    if ('problem' in send) return paragraph(this.#t('tryNotSent', { problem: send.problem }), 'field-error');
    const shown = document.createElement('pre');
    shown.className = 'try-payload mono';
    shown.textContent = send.binary
      ? this.#t('tryBinary', { size: send.bytes.length, hex: toHex(send.bytes, 256) })
      : new TextDecoder().decode(send.bytes);
    return shown;
  }

  #render(): void {
    this.#renderList();
    const text = this.#texts[this.#selected];
    element('endpoint-editor-title').textContent = text === undefined ? '' : this.#editorLabel();
    this.#editor?.setWords(this.#editorLabel(), this.#phrases);
    button('endpoint-remove').disabled = text === undefined;
    const problem = this.#problem;
    const where =
      problem === null || problem.part === null || problem.part === this.#selected
        ? ''
        : `${pathOf(this.#texts[problem.part] ?? '') ?? this.#t('endpointUnnamed', { number: problem.part + 1 })}: `;
    element('endpoint-problem').textContent = problem === null ? '' : `${where}${problem.message}`;
    const changed =
      this.#texts.length !== this.#applied.length || this.#texts.some((text, index) => text !== this.#applied[index]);
    element('endpoints-state').textContent = this.#t(changed ? 'endpointsChanged' : 'endpointsServed');
  }

  #renderList(): void {
    element('no-endpoints').hidden = this.#texts.length > 0;
    element('endpoint-list').replaceChildren(
      ...this.#texts.map((text, index) => {
        const item = document.createElement('li');
        const choose = document.createElement('button');
        choose.type = 'button';
        choose.dataset.part = String(index);
        choose.className = 'endpoint-choice mono';
        choose.textContent = pathOf(text) ?? this.#t('endpointUnnamed', { number: index + 1 });
        if (index === this.#selected) choose.setAttribute('aria-current', 'true');
        if (this.#problem?.part === index) {
          const mark = document.createElement('span');
          mark.className = 'endpoint-mark';
          mark.textContent = this.#t('endpointHasProblem');
          choose.append(' ', mark);
        }
        item.append(choose);
        return item;
      }),
    );
  }

  /** What the selected endpoint's editor is called: its definition, by path. */
  #editorLabel(): string {
    const text = this.#texts[this.#selected] ?? '';
    return this.#t('endpointDefinition', {
      path: pathOf(text) ?? this.#t('endpointUnnamed', { number: this.#selected + 1 }),
    });
  }
}

/** CodeMirror's own words, in the page's language. */
function editorPhrases(t: Translate): Record<string, string> {
  return Object.fromEntries(EDITOR_PHRASES.map(([phrase, key]) => [phrase, t(key)]));
}

const TO_KEYS: Record<'sender' | 'all' | 'others', MessageKey> = {
  sender: 'trySender',
  all: 'tryAll',
  others: 'tryOthers',
};

/** The CodeMirror phrases a person meets in this editor, and their message keys. */
const EDITOR_PHRASES: readonly (readonly [string, MessageKey])[] = [
  ['Diagnostics', 'editorDiagnostics'],
  ['No diagnostics', 'editorNoDiagnostics'],
  ['Go to line', 'editorGoToLine'],
];

function paragraph(text: string, className = ''): HTMLElement {
  const line = document.createElement('p');
  line.textContent = text;
  line.className = className;
  return line;
}

/** The editor's script, added to the page once; resolves with what it exports. */
function loadEditor(): Promise<typeof EditorModule> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = EDITOR_SCRIPT;
    script.addEventListener('load', () => {
      const module = (window as unknown as Record<string, typeof EditorModule | undefined>)[EDITOR_GLOBAL];
      if (module) resolve(module);
      else reject(new Error(`${EDITOR_SCRIPT} did not define ${EDITOR_GLOBAL}`));
    });
    script.addEventListener('error', () => reject(new Error(`${EDITOR_SCRIPT} did not load`)));
    document.head.append(script);
  });
}
