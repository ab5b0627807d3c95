'use strict';
// Siyu runs on Linux x64 (its machines and CI). Elsewhere, remove the override in package.json to use DuckDB's
// own loader, which picks the build for the platform.
if (process.platform !== 'linux' || process.arch !== 'x64') {
  throw new Error(`DuckDB binding: this install carries the linux-x64 build only (running on ${process.platform}-${process.arch})`);
}
module.exports = require('@duckdb/node-bindings-linux-x64/duckdb.node');
