/**
 * docs/commands.md is generated from the source (scripts/command-coverage.ts); this test
 * regenerates it and fails when it is stale, when a command of a data or scripting group is
 * neither typed nor explained, or when the report names a method that does not exist.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  DATA_GROUPS,
  formattedReport,
  HANDLED,
  NOT_TYPED,
  scanTypedCommands,
} from '../../scripts/command-coverage.js';
import { Multi, Pipeline } from '../../src/client/batch.js';
import { LeasedConnection } from '../../src/client/leased-connection.js';
import { listCommandSpecs } from '../../src/commands/table.js';
import { RespoolClient } from '../../src/index.js';

describe('command coverage report', () => {
  it('docs/commands.md is what the script generates now', async () => {
    const onDisk = await readFile(new URL('../../docs/commands.md', import.meta.url), 'utf8');
    assert.equal(onDisk, formattedReport(), 'stale: run npm run gen:coverage');
  });

  it('every command of the data and scripting groups is typed, handled or explained', () => {
    const typed = scanTypedCommands();
    const missing = listCommandSpecs()
      .filter((s) => s.subcommands === undefined)
      .filter((s) => (DATA_GROUPS as readonly string[]).includes(s.group))
      .filter(
        (s) =>
          !typed.has(s.name) && HANDLED[s.name] === undefined && NOT_TYPED[s.name] === undefined,
      )
      .map((s) => s.name);
    assert.deepEqual(missing, []);
  });

  it('no explanation is left for a command that is typed now', () => {
    const typed = scanTypedCommands();
    assert.deepEqual(
      Object.keys(NOT_TYPED).filter((name) => typed.has(name)),
      [],
    );
  });

  it('every method the report names exists on the client, a lease or a batch', () => {
    const protos = [
      RespoolClient.prototype,
      LeasedConnection.prototype,
      Pipeline.prototype,
      Multi.prototype,
    ];
    for (const [command, { methods }] of scanTypedCommands()) {
      for (const method of methods) {
        assert.ok(
          protos.some(
            (p) => typeof (p as unknown as Record<string, unknown>)[method] === 'function',
          ),
          `${command}: ${method}`,
        );
      }
    }
  });

  it('a typed method really sends its command (a sample, through a recording pipeline)', () => {
    const recorded: unknown[][] = [];
    const p = new Pipeline({
      mux: { send: (cmd) => recorded.push([...cmd.args]) },
      returnBuffers: false,
    });
    p.zrangestore('d', 's', 0, -1).xinfoStream('x').lcsIdx('a', 'b');
    void p.exec();
    assert.deepEqual(
      recorded.map((a) => a.slice(0, 2)),
      [
        ['ZRANGESTORE', 'd'],
        ['XINFO', 'STREAM'],
        ['LCS', 'a'],
      ],
    );
  });
});
