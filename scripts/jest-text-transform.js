/**
 * Jest transform: a file (an SVG icon) becomes a module whose default export is its text,
 * as JupyterLab's webpack config loads them.
 */
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  }
};
