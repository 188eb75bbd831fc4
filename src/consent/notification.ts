import type { Category } from './categories.js';
import type { Decision } from './decide.js';
import { ENCOUNTER_NOTICE } from './notice-class.js';

export { ENCOUNTER_NOTICE, NOTICE_CLASS_SYSTEM } from './notice-class.js';

/**
 * How much a notification may say, from two decisions for the recipient, purpose TREAT only (a
 * push is never break-the-glass): `read`, on the Encounter with its own categories, and
 * `notice`, on the notice class with the same categories. Pure.
 *
 * - full: the recipient could read the Encounter, and each category the deployment lists as
 *   needing consent for a push (`needConsent`, e.g. sud, bh) was opened by her consent, not by a
 *   default: a treatment default that opens behavioural health for reads does not announce a
 *   psychiatric admission.
 * - notice: every category of the stay is covered by her explicit notice choice.
 * - otherwise nothing: no event number, so the numbers never reveal the stay.
 */
export function notificationDetail(
  categories: readonly Category[],
  needConsent: readonly string[],
  read: Decision,
  notice: Decision,
): 'full' | 'notice' | undefined {
  const byConsent = (d: Decision, c: Category) => d.reasons.some((r) => r.detail.startsWith(`${c}:`) && r.layer === 'consent' && r.effect === 'permit');
  if (read.permit && categories.filter((c) => needConsent.includes(c)).every((c) => byConsent(read, c))) return 'full';
  if (notice.permit && categories.every((c) => byConsent(notice, c))) return 'notice';
  return undefined;
}

/**
 * The two decisions `notificationDetail` needs, asked of `decide` (the recipient's decision on a
 * class for these categories, purpose TREAT): the gate's, or in tests `decideWith` directly.
 */
export async function decideNotification(
  decide: (cls: string) => Decision | Promise<Decision>,
  categories: readonly Category[],
  needConsent: readonly string[],
): Promise<'full' | 'notice' | undefined> {
  return notificationDetail(categories, needConsent, await decide('Encounter'), await decide(ENCOUNTER_NOTICE));
}

/**
 * The redisclosure notice 42 CFR 2.32(a)(1) requires with each disclosure made with the
 * patient's consent (as amended in 2024).
 */
export const PART2_NOTICE =
  'This record which has been disclosed to you is protected by Federal confidentiality rules (42 CFR part 2). ' +
  'These rules prohibit you from using or disclosing this record, or testimony that describes the information contained in this record, ' +
  'in any civil, criminal, administrative, or legislative proceedings by any Federal, State, or local authority, against the patient, ' +
  'unless authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. ' +
  'In addition, the Federal rules prohibit you from making any other use or disclosure of this record unless at least one of the following applies: ' +
  '(i) Further use or disclosure is expressly permitted by the written consent of the individual whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. ' +
  '(ii) You are a covered entity or business associate and have received the record for treatment, payment, or health care operations, or ' +
  '(iii) You have received the record from a covered entity or business associate as permitted by 45 CFR part 164, subparts A and E. ' +
  'A general authorization for the release of medical or other information is NOT sufficient to meet the required elements of written consent to further use or redisclose the record (see 42 CFR 2.31).';
