import type { NotFoundHandler } from "hono";
import type { AppEnv } from "../../env";
import { errorResponse } from "../errors";

interface RouteEntry {
  method: string;
  path: string;
}

/** A Hono route path as a matcher: `:name` segments match one path segment; the rest is literal. */
function pathMatcher(path: string): RegExp {
  const pattern = path
    .split("/")
    .map((segment) => {
      if (segment === "*") return ".*";
      const param = /^:[A-Za-z_][\w]*(\{.*\})?(.*)$/.exec(segment);
      if (param) return `[^/]+${param[2].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${pattern}$`);
}

/**
 * The app's fallback: a known path asked with a method it does not serve is
 * `405 method_not_allowed` with an `Allow` header listing the methods it does; anything else is
 * `404 not_found`. Built from the registered routes, so it never drifts from them.
 */
export function methodNotAllowedOrNotFound(routes: readonly RouteEntry[]): NotFoundHandler<AppEnv> {
  const byPath = new Map<string, { matcher: RegExp; methods: Set<string> }>();
  for (const route of routes) {
    if (route.method === "ALL" || route.path === "/*" || route.path === "*") continue;
    let entry = byPath.get(route.path);
    if (!entry) {
      entry = { matcher: pathMatcher(route.path), methods: new Set() };
      byPath.set(route.path, entry);
    }
    entry.methods.add(route.method);
  }
  return (c) => {
    const allowed = new Set<string>();
    for (const { matcher, methods } of byPath.values()) {
      if (matcher.test(c.req.path)) for (const method of methods) allowed.add(method);
    }
    if (allowed.size > 0 && !allowed.has(c.req.method)) {
      if (allowed.has("GET")) allowed.add("HEAD");
      const allow = [...allowed].sort().join(", ");
      return errorResponse(
        405,
        [{ code: "method_not_allowed", message: `${c.req.method} is not allowed on ${c.req.path}; use ${allow}` }],
        { allow },
      );
    }
    return errorResponse(404, [{ code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` }]);
  };
}
