/**
 * CLOSE_WAIT sockets on this host towards an audited node: the server closed the connection
 * (its `timeout`, CLIENT KILL, a restart) and the application never closed its end. Each one is
 * a file descriptor and a pool slot that will never work again.
 */
import { formatCount } from '../../util/format-table.js';
import type { Finding, HostReport } from '../report-model.js';
import { action, finding } from './finding.js';

/** A warning per endpoint with any CLOSE_WAIT socket. */
export function checkCloseWait(host: HostReport): Finding[] {
  if (host.status !== 'ok') return [];
  return host.endpoints
    .filter((e) => e.closeWait > 0)
    .map((e) =>
      finding({
        check: 'close-wait',
        severity: 'warning' as const,
        node: null,
        group: null,
        message: `This host holds ${formatCount(e.closeWait)} sockets in CLOSE_WAIT towards ${e.address}: the server closed them and the application did not close its end.`,
        actions: [
          action(
            "The client must handle the socket's end/close events by destroying the socket and dropping it from its pool; a pool that never checks for closed connections keeps dead ones",
          ),
          action('Find the process that holds them', 'ss -tnp state close-wait'),
        ],
      }),
    );
}
