import { IntentStarter } from '../intent';

/**
 * A starter over tiles `<div class="tile" data-name=…><span>…</span></div>`, with a
 * server double that answers each intent start with a deadline `timeout` s away.
 */
function setup(
  options: {
    enabled?: (name: string) => boolean;
    delay?: number;
    answer?: (name: string) => Promise<IntentStarter.IStartAnswer>;
  } = {}
) {
  document.body.innerHTML = `
    <div class="tile" data-name="desktop"><span class="label">Desktop</span></div>
    <div class="tile" data-name="vscode" tabindex="0"><span class="label">VS Code</span></div>
    <div class="other"><span class="label">Python 3</span></div>`;
  const start = jest.fn(
    options.answer ??
      (async () => ({
        state: 'starting' as const,
        intent_deadline: Date.now() / 1000 + 60
      }))
  );
  const started = jest.fn();
  const starter = new IntentStarter({
    start,
    started,
    enabled: options.enabled ?? (() => true),
    tileSelector: '.tile',
    backendOf: tile => tile.getAttribute('data-name'),
    delay: options.delay
  });
  starter.attach(document);
  const tile = (name: string) =>
    document.querySelector(`[data-name="${name}"] .label`)!;
  return { starter, start, started, tile };
}

function over(target: Element, relatedTarget: Element | null = null) {
  target.dispatchEvent(
    new MouseEvent('pointerover', { bubbles: true, relatedTarget })
  );
}

function out(target: Element, relatedTarget: Element | null = null) {
  target.dispatchEvent(
    new MouseEvent('pointerout', { bubbles: true, relatedTarget })
  );
}

describe('IntentStarter', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
    document.body.innerHTML = '';
  });

  it('starts a backend once the pointer has rested on its tile for the delay', async () => {
    const { start, started, tile, starter } = setup();
    over(tile('desktop'));
    await jest.advanceTimersByTimeAsync(IntentStarter.DEFAULT_DELAY - 10);
    expect(start).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(20);
    expect(start).toHaveBeenCalledTimes(1);
    expect(start).toHaveBeenCalledWith('desktop');
    expect(started).toHaveBeenCalledWith(
      'desktop',
      expect.objectContaining({ state: 'starting' })
    );
    starter.dispose();
  });

  it('does nothing when the pointer leaves or presses before the delay', async () => {
    const { start, tile, starter } = setup({ delay: 500 });
    over(tile('desktop'));
    await jest.advanceTimersByTimeAsync(300);
    out(tile('desktop'), document.querySelector('.other'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(start).not.toHaveBeenCalled();

    over(tile('vscode'));
    await jest.advanceTimersByTimeAsync(200);
    tile('vscode').dispatchEvent(
      new MouseEvent('pointerdown', { bubbles: true })
    );
    await jest.advanceTimersByTimeAsync(1000);
    expect(start).not.toHaveBeenCalled();
    starter.dispose();
  });

  it('keeps the rest going while the pointer moves within the tile', async () => {
    const { start, tile, starter } = setup();
    const card = document.querySelector('[data-name="desktop"]')!;
    over(card);
    await jest.advanceTimersByTimeAsync(150);
    out(card, tile('desktop')); // onto the label, still the same tile
    over(tile('desktop'), card);
    await jest.advanceTimersByTimeAsync(200);
    expect(start).toHaveBeenCalledTimes(1);
    starter.dispose();
  });

  it('starts at once on keyboard focus', async () => {
    const { start, starter } = setup();
    (document.querySelector('[data-name="vscode"]') as HTMLElement).focus();
    await jest.advanceTimersByTimeAsync(0);
    expect(start).toHaveBeenCalledWith('vscode');
    starter.dispose();
  });

  it('asks once per intent, not again before the deadline has passed', async () => {
    const { start, tile, starter } = setup();
    over(tile('desktop'));
    await jest.advanceTimersByTimeAsync(400);
    out(tile('desktop'));
    over(tile('desktop'));
    await jest.advanceTimersByTimeAsync(400);
    expect(start).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60_000);
    out(tile('desktop'));
    over(tile('desktop'));
    await jest.advanceTimersByTimeAsync(400);
    expect(start).toHaveBeenCalledTimes(2);
    starter.dispose();
  });

  it('leaves backends that are not opted in, and tiles of others, alone', async () => {
    const { start, starter } = setup({ enabled: name => name === 'vscode' });
    over(document.querySelector('[data-name="desktop"] .label')!);
    await jest.advanceTimersByTimeAsync(1000);
    over(document.querySelector('.other .label')!);
    await jest.advanceTimersByTimeAsync(1000);
    expect(start).not.toHaveBeenCalled();
    starter.dispose();
  });

  it('stops asking for a backend the server refuses with 409', async () => {
    const refused = Object.assign(new Error('turned off'), { status: 409 });
    const debug = jest.spyOn(console, 'debug').mockImplementation(() => {});
    const { start, starter } = setup({
      answer: async () => {
        throw refused;
      }
    });
    expect(await starter.request('desktop')).toBe(true);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(await starter.request('desktop')).toBe(false);
    expect(start).toHaveBeenCalledTimes(1);
    debug.mockRestore();
    starter.dispose();
  });

  it('listens to nothing once disposed', async () => {
    const { start, tile, starter } = setup();
    over(tile('desktop'));
    starter.dispose();
    await jest.advanceTimersByTimeAsync(1000);
    over(tile('vscode'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(start).not.toHaveBeenCalled();
    expect(starter.isDisposed).toBe(true);
  });
});
