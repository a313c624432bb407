// Wires the activation-code services of one server: the keyed code hash over the master-key
// ring, the guessing throttle, activation (terminals) and batches (admin).
import type { ServerContext } from '../../serverContext.ts';
import { type ActivationService, createActivationService } from './activationService.ts';
import { createActivationThrottle } from './activationThrottle.ts';
import { type CodeBatchService, createCodeBatchService } from './codeBatchService.ts';
import { createKeyedIdentifierHash } from '../keyedIdentifierHash.ts';

/** The activation-code services. */
export interface ActivationServices {
  activation: ActivationService;
  batches: CodeBatchService;
}

/** Creates them for a server context. */
export function createActivationServices(ctx: ServerContext): ActivationServices {
  const hasher = createKeyedIdentifierHash(ctx.primitives, ctx.config.masterKeys, 'activation-code');
  return {
    activation: createActivationService(ctx, hasher, createActivationThrottle(ctx)),
    batches: createCodeBatchService(ctx, hasher),
  };
}
