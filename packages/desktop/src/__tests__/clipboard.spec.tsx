import { fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';

import { ClipboardComponent } from '../clipboard';

const trans = {
  __: (msgid: string) => msgid
} as any;

describe('ClipboardComponent', () => {
  it('shows the desktop clipboard and reports edits', () => {
    const onChange = jest.fn();
    render(
      <ClipboardComponent
        remote="from the desktop"
        onChange={onChange}
        trans={trans}
      />
    );
    const text = screen.getByRole('textbox', { name: 'Clipboard text' });
    expect((text as HTMLTextAreaElement).value).toBe('from the desktop');
    fireEvent.change(text, { target: { value: 'from the browser' } });
    expect((text as HTMLTextAreaElement).value).toBe('from the browser');
    expect(onChange).toHaveBeenLastCalledWith('from the browser');
  });

  it('follows the desktop when its clipboard changes', () => {
    const onChange = jest.fn();
    const { rerender } = render(
      <ClipboardComponent remote="first" onChange={onChange} trans={trans} />
    );
    const text = screen.getByRole('textbox', { name: 'Clipboard text' });
    fireEvent.change(text, { target: { value: 'an edit' } });
    // A re-render with the same remote text keeps the edit.
    rerender(
      <ClipboardComponent remote="first" onChange={onChange} trans={trans} />
    );
    expect((text as HTMLTextAreaElement).value).toBe('an edit');
    rerender(
      <ClipboardComponent remote="second" onChange={onChange} trans={trans} />
    );
    expect((text as HTMLTextAreaElement).value).toBe('second');
    expect(onChange).toHaveBeenLastCalledWith('second');
  });
});
