/**
 * A class brand that holds across bundles. dist/engine.js and dist/extension.js (and the CLI) each carry
 * their own copy of an error class, so `instanceof` fails for an error the other copy made; a
 * `Symbol.for` key is the same in every copy. The mark sits on the prototype: subclasses inherit it,
 * and it shows in no error's own keys, logs or JSON.
 */
export function brandClass<T extends object>(cls: abstract new (...args: never[]) => T, name: string): (v: unknown) => v is T {
  const key = Symbol.for(`qwenprompt.${name}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  return (v: unknown): v is T => typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[key] === true;
}
