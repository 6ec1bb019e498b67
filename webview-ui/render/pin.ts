import { h } from './dom';

/** The header's Pin / Pinned toggle: pinned, the panel keeps its run and the spec's next run opens another
 * panel (the host retitles the tab). `set` asks the host for the new state. */
export function pinButton(pinned: boolean, set: (pinned: boolean) => void): HTMLButtonElement {
  const pin = h(
    'button',
    {
      type: 'button',
      class: `secondary${pinned ? ' active' : ''}`,
      'data-testid': 'pin',
      'aria-pressed': String(pinned),
      title: pinned
        ? 'Pinned: the next run of this spec opens another panel. Click to unpin'
        : 'Keep this run here: the next run of this spec opens another panel',
    },
    pinned ? 'Pinned' : 'Pin',
  );
  pin.addEventListener('click', () => set(!pinned));
  return pin;
}
