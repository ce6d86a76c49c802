#!/usr/bin/env node
// Copy the repository's install.json into a labextension's output directory, so that
// `jupyter labextension list` says the extension is installed by the Python package.
'use strict';
const fs = require('fs');
const path = require('path');

const packageDir = path.resolve(process.argv[2] || '.');
const pkg = JSON.parse(
  fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')
);
const outputDir = path.resolve(packageDir, pkg.jupyterlab.outputDir);
fs.mkdirSync(outputDir, { recursive: true });
fs.copyFileSync(
  path.join(__dirname, '..', 'install.json'),
  path.join(outputDir, 'install.json')
);
