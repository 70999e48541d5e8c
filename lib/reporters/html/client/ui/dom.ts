// DOM helpers. Every name from the profile enters the DOM through textContent
// (never as markup).

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string | number | null): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export function note(parent: HTMLElement, text: string): void {
  parent.appendChild(el('p', 'note', text));
}

/** A legend entry: a colour swatch and a label. */
export function swatch(colour: string, label: string): HTMLSpanElement {
  const entry = el('span'), sw = el('span', 'sw');
  sw.style.background = colour;
  entry.appendChild(sw);
  entry.appendChild(document.createTextNode(label));
  return entry;
}

/** Calls `draw` at most once per animation frame while the window is resized. */
export function onResize(draw: () => void): void {
  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(draw);
  });
}
