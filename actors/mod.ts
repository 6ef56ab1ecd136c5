export { actorFeatures, type ActorState, newActor, publicAnomaly, type RecentEvent, step } from "./actor.ts";
export { ActorSystem, type ActorSystemOptions, type FlushStats, type Origin } from "./system.ts";
export { keys } from "./keys.ts";
export { retryLocked } from "./store.ts";
