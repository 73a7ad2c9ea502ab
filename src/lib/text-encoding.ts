/** Text encodings by their WHATWG labels; a leaf module so the config schema can check `data.encoding` cheaply. */

/** Whether TextDecoder knows `label` (WHATWG Encoding Standard labels: utf-8, latin1, windows-1252, utf-16le, ...). */
export function isKnownEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}
