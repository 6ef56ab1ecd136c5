/** A sparse numeric observation, as River's `dict` input. */

/** Feature name → value; an absent key is a missing feature. */
export type Features = Record<string, number>;
