import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { isCalendarDate } from '../../fhir/calendar-date.js';
import { FhirError } from '../../fhir/errors.js';
import { fhirJson } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';
import { parseQuarter, quarterOf, quarterLabel, quarterPeriod, type Quarter } from '../../performance/quarter.js';
import { multiPayerResource } from '../../performance/multi-payer-resource.js';

const CONTRACT_MEASURE = /^vbp-([A-Za-z0-9.-]{1,64})$/;
const ID = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * Da Vinci VBPR: a value-based contract as its `vbp-measure` (`Measure/vbp-{contract}`), its
 * quarterly performance reports (`MeasureReport/perf-…`, stored, immutable), computing one on
 * demand (`$evaluate-measure` with a quarter's periodStart/periodEnd, or `$performance?quarter=`),
 * and a provider organization's multi-payer view. Bad input is refused before anything is looked
 * up; a contract the requester is not a party to is answered as one that does not exist.
 */
export function performanceRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/Measure/:id', readMeasure);
  routes.post('/Measure/:id/$evaluate-measure', evaluate);
  routes.post('/Measure/:id/$performance', evaluate);
  routes.get('/MeasureReport/:id', readReport);
  routes.get('/MeasureReport', searchReports);
  routes.get('/Organization/:id/$multi-payer', multiPayer);
  return routes;
}

const notFound = (what: string) => FhirError.of(404, 'not-found', `${what} is not known`);
const baseUrl = (c: Context<AppEnv>) => c.var.deps.config.baseUrl;

async function readMeasure(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const id = c.req.param('id')!;
  const m = CONTRACT_MEASURE.exec(id);
  if (!m) return next();
  const measure = await gateOf(c).contractMeasure(m[1]!, baseUrl(c));
  if (!measure) throw notFound(`Measure/${id}`);
  return fhirJson(c, measure);
}

async function evaluate(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const id = c.req.param('id')!;
  const m = CONTRACT_MEASURE.exec(id);
  if (!m) return next();
  const x = quarterParam(c);
  const report = await gateOf(c).evaluatePerformance(m[1]!, x, baseUrl(c), `Measure/${id}/$evaluate-measure?quarter=${quarterLabel(x)}`);
  if (!report) throw notFound(`Measure/${id}`);
  return fhirJson(c, report);
}

/** The quarter asked for: `quarter=2025-Q3`, or periodStart/periodEnd that are exactly one quarter. */
function quarterParam(c: Context<AppEnv>): Quarter {
  const quarter = c.req.query('quarter');
  if (quarter !== undefined) {
    const x = parseQuarter(quarter);
    if (!x) throw FhirError.of(400, 'value', `quarter must be YYYY-Qn, e.g. 2025-Q3 (got "${quarter.slice(0, 20)}")`, 'quarter');
    return x;
  }
  const start = c.req.query('periodStart');
  const end = c.req.query('periodEnd');
  if (!start || !isCalendarDate(start)) throw FhirError.of(400, 'required', 'periodStart (YYYY-MM-DD) or quarter is required', 'periodStart');
  if (!end || !isCalendarDate(end)) throw FhirError.of(400, 'required', 'periodEnd (YYYY-MM-DD) is required with periodStart', 'periodEnd');
  if (end < start) throw FhirError.of(400, 'value', `periodEnd ${end} is before periodStart ${start}`, 'periodEnd');
  const x = quarterOf(start, end);
  if (!x)
    throw FhirError.of(
      400,
      'value',
      `Performance reports are quarterly: ${start}..${end} is not a calendar quarter (e.g. 2025-07-01..2025-09-30)`,
      'periodStart',
    );
  return x;
}

async function readReport(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const id = c.req.param('id')!;
  // Performance reports' ids are ours (perf-…); other report kinds have their own routes.
  if (!id.startsWith('perf-')) return next();
  const report = ID.test(id) ? await gateOf(c).performanceReport(id) : undefined;
  if (!report) throw notFound(`MeasureReport/${id}`);
  return fhirJson(c, report);
}

/**
 * `MeasureReport?measure=…` with a contract's Measure (its canonical, `Measure/vbp-…` or the id),
 * and optionally `period=` (a quarter, or a date inside the report's period) and `date=` (the day
 * it was made). Another measure is not ours to answer.
 */
async function searchReports(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const measure = c.req.query('measure');
  const m = measure ? CONTRACT_MEASURE.exec(measure.split('|')[0]!.split('/').at(-1) ?? '') : null;
  if (!m) return next();
  const period = c.req.query('period');
  const date = c.req.query('date');
  let periodContains: string | undefined;
  if (period !== undefined) {
    const x = parseQuarter(period);
    if (x) periodContains = quarterPeriod(x).start;
    else if (isCalendarDate(period)) periodContains = period;
    else throw FhirError.of(400, 'value', 'period must be a quarter (2025-Q3) or a date (YYYY-MM-DD)', 'period');
  }
  if (date !== undefined && !isCalendarDate(date)) throw FhirError.of(400, 'value', 'date must be YYYY-MM-DD (the day the report was made)', 'date');
  const found = await gateOf(c).performanceReports(m[1]!, { ...(periodContains ? { periodContains } : {}), ...(date ? { createdOn: date } : {}) });
  return fhirJson(c, {
    resourceType: 'Bundle',
    type: 'searchset',
    total: found.length,
    entry: found.map((resource) => ({ fullUrl: `${baseUrl(c)}/fhir/MeasureReport/${resource.id}`, resource, search: { mode: 'match' } })),
  });
}

async function multiPayer(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param('id')!;
  const quarter = c.req.query('quarter') ?? '';
  const x = parseQuarter(quarter);
  if (!x) throw FhirError.of(400, 'value', 'quarter must be YYYY-Qn, e.g. 2025-Q3', 'quarter');
  if (!ID.test(id)) throw notFound(`Organization/${id}`);
  const view = await gateOf(c).multiPayer(`Organization/${id}`, x, `Organization/${id}/$multi-payer?quarter=${quarterLabel(x)}`);
  if (!view) throw notFound(`Organization/${id}`);
  return fhirJson(c, multiPayerResource(baseUrl(c), `Organization/${id}`, x, view.measures, view.opportunities, c.var.deps.clock().toISOString()));
}
