/** Names and refs: which strings name a model, a version or an alias. */
import { configSchema } from '../config/schema.ts';
import { RegistryError } from './errors.ts';

/** A ref after parsing: an explicit version, the newest version, or an alias. */
export type ParsedRef =
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'latest' }
  | { readonly kind: 'alias'; readonly alias: string };

/** Pseudo-alias for the highest version; it cannot be set. */
export const LATEST = 'latest';

const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
const modelNameSchema = configSchema.shape.model.shape.name;

/** `v3` or `3` → version 3; `latest`; anything else that is a valid alias name → alias. */
export function parseRef(ref: string): ParsedRef {
  const version = /^v?([1-9][0-9]{0,8})$/.exec(ref);
  if (version) return { kind: 'version', version: Number(version[1]) };
  if (ref === LATEST) return { kind: 'latest' };
  checkAliasName(ref);
  return { kind: 'alias', alias: ref };
}

/** Aliases: lowercase letter first, then letters, digits, `_`, `-`; not `latest` and not version-like. */
export function checkAliasName(alias: string): void {
  if (!ALIAS_PATTERN.test(alias) || /^v[0-9]+$/.test(alias)) {
    throw new RegistryError(
      `alias ${JSON.stringify(alias)}: expected a lowercase letter, then up to 62 letters, digits, "_" or "-" ` +
        '(and not v<number>); versions are written v3 or 3',
    );
  }
  if (alias === LATEST) throw new RegistryError(`alias "${LATEST}" is reserved: it always means the highest version`);
}

/** Model names follow model.name of conveyor.yml (they become folder names and tag prefixes). */
export function checkModelName(name: string): void {
  const parsed = modelNameSchema.safeParse(name);
  if (!parsed.success) {
    throw new RegistryError(`model name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
}

/** `v3`: how versions are written in folder names, tags and messages. */
export function versionLabel(version: number): string {
  return `v${version}`;
}
