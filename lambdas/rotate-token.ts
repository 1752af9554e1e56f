/** Deployed entry of the token secret's rotation function (logic: handlers/rotate-token.ts, tokens/rotation.ts). */
import { createRotateTokenHandler } from './shared/handlers/rotate-token';
import { deployedRotation } from './shared/runtime/deployed-rotation';

export const handler = createRotateTokenHandler(deployedRotation);
