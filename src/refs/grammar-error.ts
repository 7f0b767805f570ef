/** A syntax error at a character offset of the text being parsed (references, conditions). */
export class GrammarError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "GrammarError";
  }
}
