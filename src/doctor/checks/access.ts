/**
 * What the doctor could not read on a node, as findings: a node it could not audit at all is an
 * error (the audit is incomplete), a forbidden CLIENT LIST a warning (the main view is missing),
 * a forbidden or renamed CONFIG an info (INFO still gives maxclients, not timeout).
 */
import type { Finding, FindingAction, NodeReport } from '../report-model.js';
import { action, finding } from './finding.js';

/** Findings for the sections of `node` that could not be read. */
export function checkAccess(node: NodeReport): Finding[] {
  const at = node.address;
  if (node.error !== null) {
    return [
      finding({
        check: 'node-unreachable',
        severity: 'error',
        node: at,
        group: null,
        message: `Could not audit ${at}: ${node.error}.`,
        actions: unreachableActions(node),
      }),
    ];
  }
  const findings: Finding[] = [];
  if (node.serverError !== null) {
    findings.push(
      finding({
        check: 'info-unavailable',
        severity: 'warning',
        node: at,
        group: null,
        message: `INFO could not be read on ${at}: ${node.serverError}. Connection counts, maxclients and rejected connections are unknown.`,
        actions: [action("Grant the doctor's user +info", 'ACL SETUSER <user> +info')],
      }),
    );
  }
  if (node.clients.status === 'unavailable') {
    findings.push(
      finding({
        check: 'client-list-unavailable',
        severity: 'warning',
        node: at,
        group: null,
        message: `CLIENT LIST could not be read on ${at}: ${node.clients.reason}. Who holds the connections, and how long they have been idle, is unknown.`,
        actions: [
          grantAdvice(node.clients.reason, 'client|list'),
          action('The rest of the report is still valid'),
        ],
      }),
    );
  }
  if (node.config.status === 'unavailable') {
    findings.push(
      finding({
        check: 'config-unavailable',
        severity: 'info',
        node: at,
        group: null,
        message: `CONFIG GET could not be read on ${at}: ${node.config.reason}. The server's timeout and tcp-keepalive are unknown; maxclients comes from INFO.`,
        actions: [grantAdvice(node.config.reason, 'config|get')],
      }),
    );
  }
  return findings;
}

function grantAdvice(reason: string, command: string): FindingAction {
  if (/unknown command/i.test(reason)) {
    return action(
      'The command appears to be renamed or disabled (rename-command); run the doctor where it is available, or read the values from redis.conf',
    );
  }
  return action(
    `Run the doctor as a user allowed +${command}, or ask whoever can`,
    `ACL SETUSER <user> +${command}`,
  );
}

/** What to do about a node the doctor could not audit, by what went wrong. */
function unreachableActions(node: NodeReport): FindingAction[] {
  const error = node.error ?? '';
  const where = node.port === null ? `unix://${node.host}` : `redis://${node.address}`;
  const auth = node.port === null ? where : `redis://:PASSWORD@${node.address}`;
  if (/needs a password/.test(error)) {
    return [action('Give the doctor the password in the URL', `npx respool doctor ${auth}`)];
  }
  if (/authentication failed/.test(error)) {
    return [
      action('Check the user and password in the URL (an ACL user: redis://USER:PASSWORD@…)'),
    ];
  }
  if (/connection refused/.test(error)) {
    return [
      action(
        `Check that redis-server runs and listens on ${node.address}`,
        `redis-cli -u ${where} PING`,
      ),
    ];
  }
  if (/does not speak RESP/.test(error)) {
    return [action('Point the doctor at the Redis port (6379 unless configured otherwise)')];
  }
  return [
    action(
      'Check that the server is up and reachable from this host (address, port, firewall, bind) and that the URL carries the right user and password',
    ),
  ];
}
