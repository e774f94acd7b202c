/**
 * Where environment variables come from. The default provider is the process environment
 * (so child processes see `env.set`); tests use a map.
 */
export interface VariableProvider {
  get(name: string): string | undefined;
  /** Sets or, with undefined, unsets a variable. */
  set(name: string, value: string | undefined): void;
  /** Every variable, for `env.list` and for child processes. */
  entries(): [string, string][];
}

/** The process environment. */
export function processVariables(): VariableProvider {
  return {
    get: (name) => process.env[name],
    set(name, value) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    },
    entries: () => Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  };
}

/** A provider backed by a map, isolated from the process. */
export function mapVariables(initial: Record<string, string> = {}): VariableProvider {
  const vars = new Map(Object.entries(initial));
  return {
    get: (name) => vars.get(name),
    set(name, value) {
      if (value === undefined) vars.delete(name);
      else vars.set(name, value);
    },
    entries: () => [...vars.entries()],
  };
}

/** The variables as an object, for spawning children. */
export function environmentOf(vars: VariableProvider): Record<string, string> {
  return Object.fromEntries(vars.entries());
}
