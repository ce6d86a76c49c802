/**
 * Jest runs the packages' unit tests, and their React widget tests in jsdom.
 *
 * JupyterLab's packages ship ES modules: those below (and the web components they
 * render) are compiled like our sources; their SVG icons load as their text. The
 * workspace packages resolve to their sources, so no build is needed first.
 */
const esModules = ['@jupyterlab', '@jupyter', '@microsoft', 'exenv-es6'].join(
  '|'
);

const tsJest = [
  'ts-jest',
  {
    tsconfig: {
      module: 'commonjs',
      esModuleInterop: true,
      strict: true,
      target: 'ES2022',
      lib: ['DOM', 'ES2022'],
      jsx: 'react',
      allowJs: true
    },
    isolatedModules: true
  }
];

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/src/**/__tests__/**/*.spec.ts?(x)'],
  transform: {
    '^.+\\.[jt]sx?$': tsJest,
    '\\.svg$': '<rootDir>/scripts/jest-text-transform.js'
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esModules})/)`],
  moduleNameMapper: {
    '^@jupyter-workbench/([^/]+)$': '<rootDir>/packages/$1/src'
  },
  setupFiles: ['<rootDir>/scripts/jest-setup.js'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json', 'svg']
};
