/**
 * A cluster whose node list could not be read: only the seed was audited, so the report says
 * nothing about the other nodes, which is worth an error (a deploy gate must not pass on it).
 */
import type { Finding } from '../report-model.js';
import { action, finding } from './finding.js';

/** An error finding when CLUSTER NODES failed on a cluster seed. */
export function checkDiscovery(discoveryError: string | null, seed: string): Finding[] {
  if (discoveryError === null) return [];
  return [
    finding({
      check: 'cluster-discovery',
      severity: 'error',
      node: seed,
      group: null,
      message: `${seed} is in a cluster, but its node list could not be read (${discoveryError}); only the seed was audited.`,
      actions: [
        action("Grant the doctor's user +cluster|nodes", 'ACL SETUSER <user> +cluster|nodes'),
        action('Or run the doctor once per node', 'npx respool doctor redis://<node>'),
      ],
    }),
  ];
}
