/**
 * Transitional: the metrics role moved into the one CloudWatch adapter (./cloudwatch.ts). This path stays only
 * until the callers other changes are still editing import from there; do not add imports of it.
 */
export {
  batchDatums,
  CloudWatchMetricsGateway,
  MAX_DATUMS_PER_PUT,
  MAX_PUT_BYTES,
  type MetricsGateway,
} from './cloudwatch.ts';
