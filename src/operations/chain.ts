import { describeAnchorProblem } from '../audit/anchors.js';
import { describeProblem, type TrailVerdict } from '../audit/verify.js';
import { operatorAuditEvent } from './audit-event.js';
import type { OperationsDeps } from './deps.js';
import type { Operator } from './operator.js';

export interface ChainStatus {
  events: number;
  head?: { seq: number; hash: string; recorded: string };
  /** On the Worker: chains with events after their last anchored head (0 once the anchor object has signed every reported head). */
  unanchored?: number;
  /** The last check run from the console, as its own audit event says. */
  lastVerification?: { at: string; by: string; outcome: string };
}

const VERIFY_MARKER = '"code":"audit-verify"';

/** The chain's length, its head and the last check, read from the trail itself (a check is an event of it). */
export async function chainStatus(deps: OperationsDeps, _operator: Operator): Promise<ChainStatus> {
  const { lastMarked, ...head } = await deps.audit.status(VERIFY_MARKER);
  const last = lastMarked as { recorded: string; outcomeDesc: string; agent: { who: { identifier: { value: string } } }[] } | undefined;
  return { ...head, ...(last ? { lastVerification: { at: last.recorded, by: last.agent[0]!.who.identifier.value, outcome: last.outcomeDesc } } : {}) };
}

/**
 * `audit:verify` on demand: the same walk as the CLI, over the whole chain, then an audit event
 * saying who ran it and what it found (where the chain breaks, by event number). The event is
 * appended after the walk, so it is never part of what it vouches for.
 */
export async function verifyOnDemand(deps: OperationsDeps, operator: Operator, saved: readonly string[] = []): Promise<TrailVerdict> {
  const verdict = await deps.audit.verify(deps.anchorKeys, saved);
  const first = verdict.problems[0];
  const anchor = verdict.anchors.problems[0];
  const count = verdict.problems.length + verdict.anchors.problems.length;
  await deps.audit.record(
    operatorAuditEvent({
      id: deps.newId(),
      when: deps.clock().toISOString(),
      operator,
      action: 'audit-verify',
      what: { identifier: { system: 'urn:consent-gateway:audit', value: 'audit-chain' } },
      facts: [
        `checked=${verdict.checked}`,
        `problems=${verdict.problems.length}`,
        `head=${verdict.last.hash}`,
        `anchors=${verdict.anchors.checked}`,
        `anchor-problems=${verdict.anchors.problems.length}`,
      ],
      outcome: count > 0 ? 'found-problems' : 'ok',
      outcomeDesc: first
        ? `broken: ${count} problem(s) in ${verdict.checked} events, first at event ${first.seq} (${describeProblem(first)})`
        : anchor
          ? `broken: an anchor ${describeAnchorProblem(anchor)}`
          : `intact: ${verdict.checked} events${deps.anchorKeys ? `, ${verdict.anchors.checked} anchor(s) hold` : ''}`,
    }),
    undefined,
  );
  return verdict;
}
