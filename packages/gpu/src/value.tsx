/**
 * A displayed GPU value: its text, or "N/A" with the server's reason as tooltip.
 */

import * as React from 'react';

import type { IShownValue } from './logic';

/**
 * A value, shown as "N/A" with its reason as tooltip when missing.
 */
export function ShownValue(props: { value: IShownValue }): JSX.Element {
  const { text, reason } = props.value;
  return reason ? (
    <span className="jp-WorkbenchGpu-na" title={reason}>
      {text}
    </span>
  ) : (
    <span className="jp-WorkbenchGpu-value">{text}</span>
  );
}
