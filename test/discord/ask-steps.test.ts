import { describe, expect, it } from 'vitest';
import { ButtonSteps, decodeStep, encodeStep } from '../../adapters/discord/ask-steps.ts';

// What a Discord button's custom_id carries besides its command: confirm first, then the options a form asks for.

describe('button steps', () => {
  it('a plain button carries its command unchanged', () => {
    expect(new ButtonSteps().encode('/roi period=2026-10')).toBe('/roi period=2026-10');
    expect(decodeStep('/roi period=2026-10')).toEqual({ command: '/roi period=2026-10', confirm: false, asks: [] });
  });

  it('confirm and asks round-trip, so a card keeps working after a restart', () => {
    const steps = new ButtonSteps();
    const encoded = steps.encode('/campaign reject 3 request=12', {
      label: 'Reject',
      command: '/campaign reject 3 request=12',
      style: 'danger',
      confirm: { title: 'Reject?', text: 'Sure?', confirm: 'Reject', deny: 'Cancel' },
      asks: ['reason'],
    });
    expect(encoded).toBe('?[reason]/campaign reject 3 request=12');
    const step = decodeStep(encoded);
    expect(step).toEqual({ command: '/campaign reject 3 request=12', confirm: true, asks: ['reason'] });
    expect(encodeStep(step)).toBe(encoded);
    // the prompt's Confirm carries the rest: the same question is remembered for it
    expect(steps.recall({ ...step, confirm: false })).toMatchObject({ label: 'Reject', style: 'danger', confirm: { title: 'Reject?' } });
    expect(new ButtonSteps().recall(step)).toBeUndefined();
  });
});
