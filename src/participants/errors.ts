/**
 * Why a participant change was refused. The message is written for the operator; nothing was
 * written. `invalid`: the input is wrong in itself; `not-found`: it names something that does
 * not exist; `conflict`: it collides with what is registered.
 */
export class ParticipantError extends Error {
  override name = 'ParticipantError';

  constructor(
    readonly code: 'invalid' | 'not-found' | 'conflict',
    readonly problems: readonly string[],
  ) {
    super(problems.join('; '));
  }
}
