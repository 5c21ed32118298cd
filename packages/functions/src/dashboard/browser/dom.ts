/** DOM helpers: text only — nothing from the API is ever parsed as HTML. */

type Attrs = Record<string, string | number | boolean | null | undefined> | null;
type Child = Node | string | number | null | undefined | false;

export function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el;
}
export const inputById = (id: string) => byId(id) as HTMLInputElement;
export const selectById = (id: string) => byId(id) as HTMLSelectElement;
export const buttonById = (id: string) => byId(id) as HTMLButtonElement;

export function h(tag: string, attrs?: Attrs, children?: Child | Child[]): HTMLElement {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function svg(tag: string, attrs?: Attrs, children?: Child | Child[]): SVGElement {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(el: Element, children: Child | Child[] | undefined): void {
  if (children === null || children === undefined) return;
  for (const child of Array.isArray(children) ? children : [children]) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

export function clear<T extends Element>(el: T): T {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** A value made safe for a data-testid or a file name. */
export const slug = (value: unknown) => String(value).replace(/[^A-Za-z0-9_-]/g, "_");
