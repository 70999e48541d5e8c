// Says which moment the flame graph and the top table show, with "Jump to peak"
// and "End of run" buttons; one above the flame graph, one above the chart.
import { momentLabel } from '../moments';
import { el } from './dom';
import type { MomentChoice } from './moment-choice';

export function momentBar(box: HTMLElement, choice: MomentChoice): void {
  box.hidden = false;
  const label = el('span', 'moment-label');
  label.setAttribute('aria-live', 'polite');
  const button = (text: string, which: 'peak' | 'end', title: string) => {
    const b = el('button', '', text);
    b.type = 'button';
    b.dataset.moment = which;
    b.title = title;
    box.appendChild(b);
    return b;
  };
  box.appendChild(label);
  const M = choice.moments;
  const peak = button('Jump to peak', 'peak', 'The live heap when the used heap was at its highest');
  const end = button('End of run', 'end', 'The profile of the whole run, as captured at its end');
  peak.hidden = M.peakIndex < 0;
  peak.addEventListener('click', () => choice.set(M.peakIndex));
  end.addEventListener('click', () => choice.set(null));
  const show = () => {
    const at = choice.get();
    box.classList.toggle('at-moment', at !== null);
    label.textContent = !choice.applies ? 'Moments of the live heap are of the JS heap only: this view shows the end of the run (a moment switches to the JS heap view)'
      : at === null ? 'Shown: the end of the run · click a moment on the chart of live bytes by site, or jump to the peak'
        : `Shown: ${momentLabel(M, at)}`;
    peak.disabled = choice.applies && at === M.peakIndex;
    end.disabled = at === null;
  };
  choice.onChange(show);
  show();
}
