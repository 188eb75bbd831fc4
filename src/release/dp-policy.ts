import { z } from 'zod';
import { parseWorkload, type UniversePolicy, type Workload } from '../deid/index.js';
import universeJson from '../../policies/release-universe.json' with { type: 'json' };
import workloadJson from '../../policies/dp-release.json' with { type: 'json' };

/** The declared workload and δ of differentially private releases (policies/dp-release.json), checked at load. */
export const DP_WORKLOAD: Workload = parseWorkload(workloadJson);

const universeSchema = z.object({
  geography: z.object({ areas: z.array(z.string().regex(/^([A-Z]{2}|unknown)-\d{3}$/, 'a state-ZIP3 area such as MI-489')).min(1) }),
  plans: z.object({ commercial: z.array(z.string()), medicare: z.array(z.string()), medicaid: z.array(z.string()) }),
});

/** The declared service area and plans (policies/release-universe.json), checked at load. */
export const UNIVERSE_POLICY: UniversePolicy = universeSchema.parse(universeJson);
