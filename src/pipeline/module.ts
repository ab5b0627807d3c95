// The hand-offs of the event pipeline (event-pipeline.ts names them): what wakes which worker when.
import { defineModule } from '../kernel/module.ts';
import { connectPipeline } from './event-pipeline.ts';

export const pipelineModule = defineModule({
  name: 'pipeline',
  setup: connectPipeline,
});
