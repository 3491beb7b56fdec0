/**
 * A row of tabs (WAI-ARIA tabs pattern): buttons `#<prefix><name>` showing panels
 * `#<name><suffix>`; one Tab stop, arrows, Home and End move between them.
 */
import { byId } from '../dom';

export class TabList<Name extends string> {
  constructor(
    private readonly names: readonly Name[],
    private readonly parts: (name: Name) => { tab: string; panel: string },
    private readonly onSelect: (name: Name) => void = () => undefined,
  ) {
    for (const [index, name] of names.entries()) {
      const button = byId(parts(name).tab, HTMLElement);
      button.addEventListener('click', () => this.select(name));
      button.addEventListener('keydown', (event) => {
        const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: names.length - 1 }[event.key];
        if (next === undefined) return;
        event.preventDefault();
        const target = names[(next + names.length) % names.length] ?? name;
        this.select(target);
        byId(parts(target).tab, HTMLElement).focus();
      });
    }
  }

  select(selected: Name): void {
    for (const name of this.names) {
      const { tab, panel } = this.parts(name);
      const button = byId(tab, HTMLElement);
      button.setAttribute('aria-selected', String(name === selected));
      button.tabIndex = name === selected ? 0 : -1;
      byId(panel, HTMLElement).hidden = name !== selected;
    }
    this.onSelect(selected);
  }
}
