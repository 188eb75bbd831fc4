import { CHARTS_JS } from './charts-js.js';
import { SITE_CSS } from './site-css.js';

export interface Asset {
  type: string;
  body: string;
}

/**
 * Static files the pages use, all served from our own origin (deployments may have no internet).
 * Ours are compiled in; third-party ones (Chart.js) are read by the entry point and passed in.
 */
export function webAssets(extra: Record<string, Asset> = {}): Map<string, Asset> {
  return new Map(
    Object.entries({
      'site.css': { type: 'text/css; charset=utf-8', body: SITE_CSS },
      'charts.js': { type: 'text/javascript; charset=utf-8', body: CHARTS_JS },
      ...extra,
    }),
  );
}
