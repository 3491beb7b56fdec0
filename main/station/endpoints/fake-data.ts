/**
 * Fake data for templates, `{{faker 'person.firstName'}}` as in Mockoon: @faker-js/faker (kept,
 * typed, the library Mockoon uses), loaded only when a template uses it, in the endpoint's
 * locale. Every use is checked when the definitions load: the path is a literal `module.method`
 * that this faker has, and the arguments are literals, so nothing a peer sends can choose what
 * runs or how much it makes.
 */
import type { Faker } from '@faker-js/faker' with { 'resolution-mode': 'import' };
import { createRequire } from 'node:module';

export const FAKER_LOCALES = ['en', 'zh_CN'] as const;
export type FakerLocale = (typeof FAKER_LOCALES)[number];

// The package is ES modules only; require() takes them on Node 20.19 and later, and in Electron.
const load = createRequire(__filename);
const LOADERS: Record<FakerLocale, () => Faker> = {
  en: () => (load('@faker-js/faker/locale/en') as { faker: Faker }).faker,
  zh_CN: () => (load('@faker-js/faker/locale/zh_CN') as { faker: Faker }).faker,
};
const loaded = new Map<FakerLocale, Faker>();

function fakerFor(locale: FakerLocale): Faker {
  let faker = loaded.get(locale);
  if (faker === undefined) {
    faker = LOADERS[locale]();
    loaded.set(locale, faker);
  }
  return faker;
}

/** Whether faker has been loaded in this process (tests check that it is not, unless used). */
export function fakerLoaded(): boolean {
  return loaded.size > 0;
}

const PATH = /^([a-z][A-Za-z]*)\.([a-z][A-Za-z0-9]*)$/;

/** The function `path` names in this locale's faker, or why it cannot be used. */
export function fakerFunction(locale: FakerLocale, path: string): ((...args: unknown[]) => unknown) | string {
  const [, moduleName, method] = PATH.exec(path) ?? [];
  if (moduleName === undefined || method === undefined) {
    return `faker takes a path like 'person.firstName' (a module, a dot, a function), not ${JSON.stringify(path)}`;
  }
  const faker = fakerFor(locale);
  const module: unknown = Object.hasOwn(faker, moduleName)
    ? (faker as unknown as Record<string, unknown>)[moduleName]
    : undefined;
  // Only the module's own functions: not constructor, nor what every object inherits.
  const candidate: unknown =
    typeof module === 'object' && module !== null && method !== 'constructor' && !(method in Object.prototype)
      ? (module as Record<string, unknown>)[method]
      : undefined;
  if (typeof candidate !== 'function') return `faker has no ${path} (see fakerjs.dev/api)`;
  return (...args: unknown[]) => (candidate as (...args: unknown[]) => unknown).apply(module, args);
}
