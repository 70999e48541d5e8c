// The HTML report's script, bundled by esbuild into dist/reporters/html/client.bundle.js
// and inlined into the page: reads the JSON data element and builds each section.
import type { PageData } from '../page-data';
import { byId, note } from './dom';
import { flame } from './flame';
import { frameOptions } from './frame-options';
import { gc } from './gc';
import { header } from './header';
import { leaks } from './leaks';
import { allocator, spaces } from './memory';
import { pools } from './pools';
import { sites } from './sites';
import { timeline } from './timeline';
import { applyView, chosenView } from '../views';
import { viewSwitch } from './views';

/** Runs one section; if it throws, says so in the section (and rethrows, so the error is logged). */
function section<T>(name: string, draw: () => T): T {
  try {
    return draw();
  } catch (error) {
    const s = document.getElementById(`${name}-section`);
    if (s) note(s, `This section could not be drawn: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

const data = JSON.parse(byId('allocscope-data').textContent ?? 'null') as PageData;
const view = chosenView(data, location.hash);
applyView(data, view);
viewSwitch(data, view);
header(data);
section('leaks', () => leaks(data));
const options = frameOptions();
const flameApi = section('flame', () => flame(data, options));
section('sites', () => sites(data, flameApi, options));
section('timeline', () => timeline(data));
section('gc', () => gc(data));
section('memory', () => { spaces(data); allocator(data); });
section('pools', () => pools(data));
document.documentElement.dataset.ready = '1';
