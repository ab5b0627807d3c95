// The demo brand 山茶花 (Camellia): a year of a cosmetics brand's life, loaded through the same APIs a brand's systems
// use, by each module's demo part in turn (load.ts).
import { defineModule } from '../kernel/module.ts';
import { demoCommand } from './cli.ts';
import { loadPeople } from './people.ts';

export const demoModule = defineModule({
  name: 'demo',
  demo: { load: loadPeople },
  cli: [demoCommand],
});
