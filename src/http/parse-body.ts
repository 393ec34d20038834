// A request body checked against its zod schema: the data, or a 400 that says what is wrong.
import type { z } from "zod";
import { HttpError } from "./router.ts";

export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
  throw new HttpError(400, `Invalid request: ${detail}`);
}
