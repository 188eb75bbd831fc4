import { bloodPressureControl } from './blood-pressure-control.js';
import { breastCancerScreening } from './breast-cancer-screening.js';
import { hba1cPoorControl } from './hba1c-poor-control.js';
import type { QualityMeasure } from './measure.js';

export type { MeasureResult, MeasurementPeriod, QualityMeasure } from './measure.js';
export { calendarYear, CONTINUOUS_ENROLLMENT_MONTHS, measureCounts } from './measure.js';

/** Every published quality measure, in publication order. */
export const QUALITY_MEASURES: readonly QualityMeasure[] = [breastCancerScreening, hba1cPoorControl, bloodPressureControl];
