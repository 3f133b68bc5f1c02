// The services' names as the bench (src/bench) imports them; the list itself is src/services/registry.ts.
export { SERVICE_NAMES, type ServiceName } from './registry.ts';
export type { RunningService } from './service.ts';
