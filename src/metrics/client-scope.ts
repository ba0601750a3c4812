/**
 * The fixed facts about one client that its diagnostics messages carry: who published, and
 * where the commands go. Built once per client, so a traced command copies four fields instead
 * of reading the client's options.
 */

/** Identity and destination of one client's commands. */
export interface ClientScope {
  /** Process-unique: `respool-1`, `respool-2`, … */
  readonly clientId: string;
  readonly database: number;
  /** Host name or IP, or the Unix socket path. */
  readonly serverAddress: string;
  /** TCP port; undefined for a Unix socket. */
  readonly serverPort: number | undefined;
}

let lastClientId = 0;

/** A new process-unique client id. */
export function nextClientId(): string {
  lastClientId++;
  return `respool-${lastClientId}`;
}

/** The scope of a client from its resolved endpoint. */
export function createClientScope(endpoint: {
  readonly clientId: string;
  readonly db: number;
  readonly host: string;
  readonly port: number;
  readonly path: string | undefined;
}): ClientScope {
  return Object.freeze({
    clientId: endpoint.clientId,
    database: endpoint.db,
    serverAddress: endpoint.path ?? endpoint.host,
    serverPort: endpoint.path === undefined ? endpoint.port : undefined,
  });
}
