"""The PouchDB reference for the first-sync figure of bench/sync_bench.py.

PouchDB 9 (npm) replicating the same documents over HTTP from a CouchDB-compatible
peer (express-pouchdb on PouchDB's LevelDB adapter, in a node process) into an
empty LevelDB database: what an offline-first app built on PouchDB does on its
first sync. The packages are installed with npm into a scratch directory once
(reused by later runs). Loading the peer is not timed; the replication is.

Returns None, after saying why, when node or npm is missing or the install fails:
the bench goes on without the reference.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PACKAGES = ("pouchdb@9", "express@4", "express-pouchdb@4")

SCRIPT = r"""
const fs = require('fs');
const readline = require('readline');
const PouchDB = require('pouchdb');
const express = require('express');

const [docsPath, dbDir, batchSize] = process.argv.slice(2);
const Peer = PouchDB.defaults({prefix: dbDir + '/peer-'});

async function load(db) {
  const lines = readline.createInterface({input: fs.createReadStream(docsPath)});
  let batch = [];
  let n = 0;
  for await (const line of lines) {
    if (!line) continue;
    batch.push(JSON.parse(line));
    if (batch.length === 2000) { await db.bulkDocs(batch, {new_edits: true}); n += batch.length; batch = []; }
  }
  if (batch.length) { await db.bulkDocs(batch); n += batch.length; }
  return n;
}

(async () => {
  const source = new Peer('customers');
  const loaded = await load(source);
  const app = express();
  app.use('/', require('express-pouchdb')(Peer, {mode: 'minimumForPouchDB', logPath: dbDir + '/peer.log'}));
  const server = app.listen(0, '127.0.0.1', async () => {
    const url = `http://127.0.0.1:${server.address().port}/customers`;
    const target = new PouchDB(dbDir + '/replica');
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const result = await PouchDB.replicate(url, target, {batch_size: Number(batchSize), batches_limit: 10});
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6;  // peer and replicator: one node process
    const info = await target.info();
    console.log(JSON.stringify({loaded, written: result.docs_written, docs: info.doc_count, seconds, cpu}));
    server.close();
    process.exit(0);
  });
})().catch((e) => { console.error(e); process.exit(1); });
"""


def install(scratch: Path) -> Path | None:
    """node_modules with PouchDB and its peer in ``scratch`` (npm, once); None if it cannot be had."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        print("  PouchDB reference skipped: node/npm not installed", flush=True)
        return None
    scratch.mkdir(parents=True, exist_ok=True)
    if not (scratch / "node_modules" / "express-pouchdb").exists():
        print(f"  installing {' '.join(PACKAGES)} into {scratch} (npm) ...", flush=True)
        (scratch / "package.json").write_text('{"name": "crm-bench-pouchdb", "private": true}\n')
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES],
            cwd=scratch,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(f"  PouchDB reference skipped: npm install failed:\n{done.stderr[-2000:]}")
            return None
    (scratch / "replicate.js").write_text(SCRIPT)
    return scratch


def replicate(
    scratch: Path, docs: Iterable[dict[str, Any]], batch_size: int
) -> dict[str, Any] | None:
    """Load ``docs`` into the peer, then time PouchDB replicating them into an empty database."""
    with tempfile.TemporaryDirectory(prefix="crm-bench-pouch-") as tmp_name:
        tmp = Path(tmp_name)
        docs_path = tmp / "docs.ndjson"
        with docs_path.open("w") as out:
            for doc in docs:
                out.write(json.dumps(doc, separators=(",", ":")) + "\n")
        done = subprocess.run(
            ["node", str(scratch / "replicate.js"), str(docs_path), str(tmp), str(batch_size)],
            cwd=scratch,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(f"  PouchDB reference failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            return None
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result
