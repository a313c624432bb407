// Public entry point `tessera/protocol/node`: the primitives backed by node:crypto. Apart
// from `tessera/protocol` so that entry never pulls in a Node API.
export { nodePrimitives } from './nodePrimitives.ts';
