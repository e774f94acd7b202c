/**
 * Reads container/Containerfile into its stages, so that the files the image holds are named in
 * one place: `podman build` reads it, and a machine without podman lays out the same root from
 * the same lines (rootfs.ts). Only the instructions the file uses are understood (FROM, COPY,
 * ENV, ENTRYPOINT in JSON form); any other is an error, so that a new instruction cannot be
 * skipped silently by the fallback and make it differ from what `podman build` produces.
 *
 * @example
 * ```ts
 * const stages = parseContainerfile(readFileSync(CONTAINERFILE, "utf8"));
 * const full = stageChain(stages, "assay-full"); // [assay, assay-full], base first
 * ```
 */
import { join } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "..");

/** The Containerfile of the image, and the build context its COPY sources are relative to. */
export const CONTAINERFILE = join(root, "container", "Containerfile");
export const CONTEXT = root;

/** The PATH a builder sets in an image that starts from scratch. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface Copy {
  /** Sources relative to the context; the last path component may hold a `*`. */
  sources: string[];
  dest: string;
}

export interface Stage {
  name: string;
  /** `scratch` or an earlier stage's name. */
  from: string;
  copies: Copy[];
  env: Record<string, string>;
  entrypoint?: string[];
}

/** The instructions of `text`, one per logical line (comments and blank lines dropped, `\` joins lines). */
function instructions(text: string): string[] {
  const out: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    out.push(pending + line);
    pending = "";
  }
  if (pending.trim()) out.push(pending.trim());
  return out;
}

function fail(line: string, why: string): never {
  throw new Error(`assay: container/Containerfile: ${why}: ${line}`);
}

/** The stages of a Containerfile, in order. */
export function parseContainerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of instructions(text)) {
    const [keyword, ...words] = line.split(/\s+/);
    const current = stages.at(-1);
    switch (keyword.toUpperCase()) {
      case "FROM": {
        const m = /^FROM\s+(\S+)\s+AS\s+(\S+)$/i.exec(line);
        if (!m) fail(line, "a stage must be named (FROM image AS name)");
        const from = m[1];
        if (from !== "scratch" && !stages.some((s) => s.name === from)) fail(line, "only scratch or an earlier stage can be a base");
        const base = stages.find((s) => s.name === from);
        // Builders (buildah, BuildKit) write the default PATH into a scratch image's settings.
        const env = base ? { ...base.env } : { PATH: DEFAULT_PATH };
        stages.push({ name: m[2], from, copies: [], env, entrypoint: base?.entrypoint });
        break;
      }
      case "COPY": {
        if (!current) fail(line, "COPY before FROM");
        if (words[0]?.startsWith("--")) fail(line, `unsupported flag ${words[0]}`);
        if (words.length < 2) fail(line, "COPY needs a source and a destination");
        const dest = words.pop()!;
        current.copies.push({ sources: words, dest });
        break;
      }
      case "ENV": {
        if (!current) fail(line, "ENV before FROM");
        for (const word of words) {
          const eq = word.indexOf("=");
          if (eq <= 0) fail(line, "ENV takes name=value pairs");
          current.env[word.slice(0, eq)] = word.slice(eq + 1);
        }
        break;
      }
      case "ENTRYPOINT": {
        if (!current) fail(line, "ENTRYPOINT before FROM");
        const json = line.slice(keyword.length).trim();
        let parsed: unknown;
        try {
          parsed = JSON.parse(json);
        } catch {
          fail(line, "ENTRYPOINT must be in JSON form");
        }
        if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string")) fail(line, "ENTRYPOINT must be a list of strings");
        current.entrypoint = parsed;
        break;
      }
      default:
        fail(line, `unsupported instruction ${keyword}`);
    }
  }
  return stages;
}

/** The stages that make up `target`, its scratch-based ancestor first. */
export function stageChain(stages: Stage[], target: string): Stage[] {
  const chain: Stage[] = [];
  let name = target;
  while (name !== "scratch") {
    const stage = stages.find((s) => s.name === name);
    if (!stage) throw new Error(`assay: container/Containerfile: no stage named ${name}`);
    chain.unshift(stage);
    name = stage.from;
  }
  return chain;
}
