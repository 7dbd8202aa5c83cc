type Env = Record<string, string | undefined>;

/** BERTH_EVENT_BUS: the EventBridge bus (name or ARN) the registry's changes go on; none announces nothing. */
export function eventBusOf(env: Env): string | undefined {
  return env.BERTH_EVENT_BUS?.trim() || undefined;
}
