import * as fs from 'fs';
import * as path from 'path';

// JupyterLab's settings registry validates settings with Ajv 8 (its dependency).
import Ajv from 'ajv';

const schema = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../schema/plugin.json'), 'utf8')
);

describe('the "Where each backend opens" setting', () => {
  const validate = new Ajv({ strict: false }).compile(schema);
  const openIn = schema.properties.openIn;

  it('offers the built-in backends by name', () => {
    expect(Object.keys(openIn.properties)).toEqual([
      'desktop',
      'vscode',
      'rstudio'
    ]);
    expect(validate({ openIn: { desktop: 'window', vscode: 'tab' } })).toBe(
      true
    );
    expect(validate({ openIn: { desktop: 'popup' } })).toBe(false);
  });

  it('makes "+" add a valid row (the settings editor fills in the default)', () => {
    const added = { newKey: openIn.additionalProperties.default };
    expect(added.newKey).toBe('tab');
    expect(validate({ openIn: added })).toBe(true);
  });
});
