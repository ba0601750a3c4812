/**
 * A cluster whose node list could not be read: only the seed was audited, so the report says
 * nothing about the other nodes, which is worth an error (a deploy gate must not pass on it).
 */
import type { Finding } from '../report-model.js';

/** An error finding when CLUSTER NODES failed on a cluster seed. */
export function checkDiscovery(discoveryError: string | null, seed: string): Finding[] {
  if (discoveryError === null) return [];
  return [
    {
      check: 'cluster-discovery',
      severity: 'error',
      node: seed,
      group: null,
      message: `${seed} is in a cluster, but its node list could not be read (${discoveryError}); only the seed was audited.`,
      recommendation:
        "Grant the doctor's user +cluster|nodes, or run the doctor once per node (respool doctor redis://<node>).",
    },
  ];
}
