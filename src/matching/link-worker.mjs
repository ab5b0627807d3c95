// Worker-thread entry: registers the TypeScript loader (the CLI's workers do not inherit it), then runs the linker.
import { register } from 'tsx/esm/api';

register();
await import('./link-worker.ts');
