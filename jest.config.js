/**
 * Jest runs the unit tests of the packages' pure modules and the widget tests of their
 * React views (jsdom, @testing-library/react).
 */

// Packages published as ES modules only (JupyterLab and its web components): ts-jest
// transpiles them to CommonJS like our sources.
const esModules = [
  '@jupyterlab/',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft/fast-',
  'exenv-es6'
].join('|');

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/packages'],
  testMatch: ['**/src/**/__tests__/**/*.spec.ts?(x)'],
  setupFiles: ['<rootDir>/scripts/jest-setup.js'],
  transform: {
    '^.+\\.[jt]sx?$': [
      'ts-jest',
      {
        tsconfig: {
          module: 'commonjs',
          esModuleInterop: true,
          allowJs: true,
          jsx: 'react',
          strict: true,
          target: 'ES2022',
          lib: ['DOM', 'ES2022'],
          isolatedModules: true
        }
      }
    ]
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esModules})).+`],
  moduleNameMapper: {
    // Styles and icons are the bundler's business.
    '\\.css$': '<rootDir>/scripts/jest-file-stub.js',
    '\\.svg$': '<rootDir>/scripts/jest-svg-stub.js'
  },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json']
};
