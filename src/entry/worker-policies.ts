import type { PolicyTexts } from '../consent/policies.js';
import consentModel from '../../policies/consent.conf';
import duaModel from '../../policies/dua.conf';
import duas from '../../policies/duas.csv';
import defaults from '../../policies/defaults.json' with { type: 'json' };

/** The same policy files as on Node, bundled into the Worker as text. */
export const workerPolicyTexts: PolicyTexts = { consentModel, duaModel, duas, defaults: JSON.stringify(defaults) };
