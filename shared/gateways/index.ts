import type { AlarmGateway } from './cloudwatch.ts';
import type { CapacityGateway } from './ec2-capacity.ts';
import type { EventGateway } from './eventbridge.ts';
import type { LeaseGateway } from './lease.ts';
import type { MetricsGateway } from './metrics.ts';
import type { SharingGateways } from './sharing.ts';

export * from './accounts.ts';
export * from './capacity-routing.ts';
export * from './cloudwatch.ts';
export * from './ec2-capacity.ts';
export * from './ec2-pacer.ts';
export * from './eventbridge.ts';
export * from './lease.ts';
export * from './metrics.ts';
export * from './sharing.ts';
export * from './write-tags.ts';

/** Everything the use cases need from AWS, injected so tests and the simulator can point it at the local endpoint. */
export interface Gateways {
  capacity: CapacityGateway;
  alarms: AlarmGateway;
  events: EventGateway;
  /** The writer's lease: every run that acts holds it (shared/reconcile/sole-writer.ts). */
  lease: LeaseGateway;
  /** The tracker's metrics; reconcile reads the measured reclaim durations from it for the learned lead. */
  metrics?: MetricsGateway;
  /** RAM per owner account and region: the interruptible reservations shared with the config's borrowers. */
  sharing?: SharingGateways;
}
