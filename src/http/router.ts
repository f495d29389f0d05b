import type { HonoOpenAPIRouterType } from "chanfana";
import type { AppEnv } from "../env";

/** The chanfana-wrapped Hono app every route module registers on. */
export type Router = HonoOpenAPIRouterType<AppEnv>;
