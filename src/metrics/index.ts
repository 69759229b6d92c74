export { metricsAuthorized, renderMetrics } from './exposition';
export {
  enableProcessMetrics,
  eventDelivered,
  leasesReaped,
  registry,
  scanEnded,
  scanRequeued,
  StepClock,
} from './instruments';
export { type ScanStats, ScanStatsReader } from './scan-stats';
export { addScrapeSources, type ScrapeSources } from './scrape';
export { type MetricsServer, startMetricsServer } from './server';
