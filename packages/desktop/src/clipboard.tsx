import { Dialog } from '@jupyterlab/apputils';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

/**
 * What the clipboard panel shows: the desktop's clipboard, and when it changes.
 */
export interface IClipboardSource {
  /** The last text the desktop put on its clipboard. */
  readonly remoteClipboard: string;
  /** Emitted when the clipboard (or anything else of the source) changes. */
  readonly changed: ISignal<any, void>;
}

/**
 * The clipboard panel (a dialog body): the desktop's clipboard in an editable text
 * area that follows the desktop while open; its value is the text to send.
 */
export class ClipboardPanel
  extends ReactWidget
  implements Dialog.IBodyWidget<string>
{
  /**
   * Create a panel showing `options.source`.
   */
  constructor(options: ClipboardPanel.IOptions) {
    super();
    this.addClass('jp-WorkbenchDesktop-clipboard');
    this._source = options.source;
    this._trans = options.translator.load('jupyter-workbench');
    this._text = this._source.remoteClipboard;
  }

  /**
   * The text to send to the desktop.
   */
  getValue(): string {
    return this._text;
  }

  protected render(): React.ReactElement {
    return (
      <UseSignal signal={this._source.changed}>
        {() => (
          <ClipboardComponent
            remote={this._source.remoteClipboard}
            onChange={text => (this._text = text)}
            trans={this._trans}
          />
        )}
      </UseSignal>
    );
  }

  private _source: IClipboardSource;
  private _text: string;
  private _trans: TranslationBundle;
}

/**
 * The clipboard panel's types.
 */
export namespace ClipboardPanel {
  /**
   * Options of the panel.
   */
  export interface IOptions {
    /** The desktop whose clipboard is shown. */
    source: IClipboardSource;
    /** The translator of the labels. */
    translator: ITranslator;
  }
}

/**
 * Properties of {@link ClipboardComponent}.
 */
export interface IClipboardComponentProps {
  /** The desktop's clipboard: replaces the text whenever it changes. */
  remote: string;
  /** Called with the text after each edit. */
  onChange: (text: string) => void;
  /** The labels' translations. */
  trans: TranslationBundle;
}

/**
 * The hint and the text area of the clipboard panel.
 */
export function ClipboardComponent(
  props: IClipboardComponentProps
): React.ReactElement {
  const { remote, onChange, trans } = props;
  const [text, setText] = React.useState(remote);
  React.useEffect(() => {
    setText(remote);
    onChange(remote);
  }, [remote]);
  return (
    <>
      <p>
        {trans.__(
          'This is the desktop clipboard. Edit it and press "Send to desktop" to paste it there.'
        )}
      </p>
      <textarea
        rows={8}
        value={text}
        aria-label={trans.__('Clipboard text')}
        onChange={event => {
          setText(event.target.value);
          onChange(event.target.value);
        }}
      />
    </>
  );
}
