import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../commands/index.ts';
import { UserError } from '../../src/core/errors.ts';
import { fieldErrors, formCommandLine, formOptions, formRequested, formSpec, formSteps } from '../../src/core/forms.ts';
import { parseCommandLine, validateOptions } from '../../src/core/parse.ts';

const registry = await loadRegistry();
const actionOf = (line: string) => parseCommandLine(registry, line);

describe('forms from the command definitions', () => {
  it('asks for a form when required options are missing or the line ends in the word form; otherwise runs as typed', () => {
    expect(formRequested(registry, '/campaign create')).toBe('/campaign create');
    // a segment or a predicted audience: neither is required alone, so name= is enough to run it as typed
    expect(formRequested(registry, '/campaign create name=x')).toBeUndefined();
    expect(formRequested(registry, '/campaign create segment=all')).toBe('/campaign create segment=all');
    expect(formRequested(registry, '/segment run k=4 form')).toBe('/segment run k=4');
    expect(formRequested(registry, '/help form')).toBe('/help');
    expect(formRequested(registry, '/campaign list')).toBeUndefined();
    expect(formRequested(registry, '/campaign create name=x segment=all')).toBeUndefined();
    expect(formRequested(registry, '/nosuchcommand')).toBeUndefined();
    expect(formRequested(registry, '/campaign create name="unclosed')).toBeUndefined();
  });

  it('makes a field of each option: selects for enums, booleans and stored names, numbers with bounds, dates, long text', () => {
    const { path, action } = actionOf('/campaign create');
    const spec = formSpec(path, action, { channel: 'email' });
    const kinds = Object.fromEntries(spec.fields.map((f) => [f.name, f.kind]));
    expect(kinds).toMatchObject({
      name: 'text',
      segment: 'select',
      channel: 'select',
      message: 'long-text',
      budget: 'number',
      private: 'select',
    });
    expect(spec.fields.find((f) => f.name === 'segment')!.source).toBe('segment');
    expect(spec.fields.find((f) => f.name === 'channel')!.initial).toBe('email');
    expect(spec.fields.find((f) => f.name === 'cost_per_send')!.label).toBe('Cost per send');
    expect(spec.previews).toBe(true);
    const pause = actionOf('/digest pause 1');
    expect(formSpec(pause.path, pause.action).fields[0]).toMatchObject({ name: 'id', kind: 'select', source: 'schedule' });
    const cac = actionOf('/customer show c1');
    expect(formSpec(cac.path, cac.action).previews).toBe(false);
  });

  it('turns submitted text into the options a typed command gives, and into that typed command', () => {
    const { path, action } = actionOf('/campaign create');
    const spec = formSpec(path, action);
    const options = formOptions(spec, action, {
      name: 'Spring "big" sale',
      segment: 'loyal',
      budget: '1,500',
      message: "Line one\nIt's line two",
      private: 'true',
      subject: '  ',
    });
    expect(options).toEqual({
      name: 'Spring "big" sale',
      segment: 'loyal',
      budget: 1500,
      message: "Line one\nIt's line two",
      private: true,
    });
    const line = formCommandLine(path, options);
    expect(parseCommandLine(registry, line).raw).toEqual(options);
  });

  it('puts each validation problem beside its field, and a handler’s error beside the field it names', () => {
    const { path, action } = actionOf('/campaign create');
    const spec = formSpec(path, action);
    let error: unknown;
    try {
      validateOptions(path, action, { budget: -1 });
    } catch (caught) {
      error = caught;
    }
    const errors = fieldErrors(error, spec);
    expect(Object.keys(errors).sort()).toEqual(['budget', 'name']);
    expect(errors.name).toBe('Missing name: a name for the campaign.');
    expect(fieldErrors(new UserError('x', 'window must be a number of days'), spec)).toEqual({ window: 'window must be a number of days' });
    expect(fieldErrors(new UserError('x', 'Taken.', { context: { field: 'name' } }), spec)).toEqual({ name: 'Taken.' });
    expect(Object.keys(fieldErrors(new UserError('x', 'Something else.'), spec))).toEqual(['name']);
  });

  it('splits a form into steps of at most five fields for Discord', () => {
    const { path, action } = actionOf('/campaign create');
    expect(formSteps(formSpec(path, action), 5).map((s) => s.length)).toEqual([5, 5, 4]);
  });
});
