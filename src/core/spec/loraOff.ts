/** `off` (or `none`) names no LoRA: the graph gets no LoRA node, which is not the same as strength 0. */
export function isLoraOff(name: string): boolean {
  return /^(off|none)$/i.test(name.trim());
}
