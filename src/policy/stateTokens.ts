// The state the prior, strategy and critic see: the N observation tokens followed by the G goal tokens.
import { TOKEN_TYPE } from '../sim/taskSpec';

/** Type ids of the state tokens: the observation's own, then TOKEN_TYPE.goalKeypoint for each goal token. */
export function stateTypeIds(tokenTypes: readonly number[], numGoalTokens: number): number[] {
  return [...tokenTypes, ...new Array<number>(numGoalTokens).fill(TOKEN_TYPE.goalKeypoint)];
}
