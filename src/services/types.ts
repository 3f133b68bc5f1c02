export const SERVICE_NAMES = ['order', 'inventory', 'payment', 'notification'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface RunningService {
  name: ServiceName;
  /** The HTTP port, for a service that serves one (order). */
  port?: number;
  /** Finishes in-flight work, commits and disconnects. */
  stop(): Promise<void>;
  /** Rejects when the service can no longer work (its consumer crashed for good). */
  readonly crashed: Promise<never>;
}
