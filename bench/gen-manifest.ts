/**
 * Generates a deterministic multi-document YAML stream shaped like a `kubectl apply` file: the
 * pods of gen-podlist.ts as `---`-separated documents (metadata, managedFields, spec, status,
 * an annotation holding JSON), about 1 MB by default. The yaml benchmark parses and re-encodes
 * it.
 *
 * Usage: `bun bench/gen-manifest.ts [bytes] > manifest.yaml`
 */
import { stringify } from "yaml";
import { generatePodList } from "./gen-podlist.ts";

/** At least `targetBytes` of YAML documents, one pod each. */
export function generateManifest(targetBytes = 1_000_000): string {
  // The pod list's indented JSON is about 2.5 times the size of the same pods in YAML.
  const pods = JSON.parse(generatePodList(targetBytes * 3)).items as unknown[];
  const docs: string[] = [];
  let size = 0;
  for (const pod of pods) {
    if (size >= targetBytes) break;
    const doc = stringify(pod);
    docs.push(doc);
    size += doc.length + 4;
  }
  return docs.join("---\n");
}

if (import.meta.main) {
  process.stdout.write(generateManifest(Number(process.argv[2] ?? 1_000_000)));
}
