/** Dictionary encoding of text values: the one home of the category-code loop (loader, records, monitor). */

/** Distinct non-missing strings of one column, in first-seen order; the code of a string is its index. */
export class TextDictionary {
  private readonly index = new Map<string, number>();
  readonly entries: string[] = [];

  /** Code of `text`, adding it when new. */
  add(text: string): number {
    let code = this.index.get(text);
    if (code === undefined) {
      code = this.entries.length;
      this.entries.push(text);
      this.index.set(text, code);
    }
    return code;
  }
}
