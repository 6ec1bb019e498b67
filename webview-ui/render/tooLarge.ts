// In place of an image too large for the webview to decode: what it is, and (where the file is the
// panel's own) a button that opens it in an editor tab instead.
import { h } from './dom';

export function tooLargeNote(text: string, open?: () => void): HTMLElement {
  const el = h('div', { class: 'too-large', 'data-testid': 'too-large' }, h('p', {}, `${text}.`));
  if (open) {
    const button = h('button', { type: 'button', class: 'secondary' }, 'Open file ↗');
    button.addEventListener('click', open);
    el.append(button);
  }
  return el;
}
