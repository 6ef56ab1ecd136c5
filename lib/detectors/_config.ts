/** Config field types shared by the detectors' zod schemas. */
import { z } from "zod";
import { parseDuration } from "../duration.ts";

/** A duration: "10m", "30s", "1h" or a number of milliseconds. */
export const durationField = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null || ms <= 0) {
    ctx.addIssue({
      code: "custom",
      message: `is ${JSON.stringify(v)}, must be a positive duration such as "30s", "10m" or "1h"`,
    });
    return z.NEVER;
  }
  return ms;
});
