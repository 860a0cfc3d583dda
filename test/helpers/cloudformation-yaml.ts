import { isMap, isScalar, isSeq, type Node, parseDocument, type Tags } from 'yaml';

/**
 * Parses a CloudFormation YAML template into its JSON form: the short-form tags (`!Ref X`, `!Sub …`,
 * `!GetAtt A.B`, `!If […]`, …) become the long forms (`{Ref: X}`, `{'Fn::Sub': …}`, …) that
 * CloudFormation itself sees, so every check walks one shape.
 */
const FN_TAGS = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'ImportValue',
  'If',
  'Join',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'GetAtt',
  'Contains',
  'EachMemberEquals',
  'EachMemberIn',
  'RefAll',
  'ValueOf',
  'ValueOfAll',
  'Length',
  'ToJsonString',
] as const;
const ALL_TAGS = ['Ref', 'Condition', ...FN_TAGS].map((name) => `!${name}`);

// Declared so that yaml keeps them on the nodes (unknown tags would be warnings); resolved by `toCfn`.
const customTags: Tags = ALL_TAGS.flatMap((tag) => [
  { tag, resolve: (value: string) => value },
  { tag, collection: 'seq' as const, resolve: (value: unknown) => value },
  { tag, collection: 'map' as const, resolve: (value: unknown) => value },
]) as Tags;

export type Cfn = null | boolean | number | string | Cfn[] | { [key: string]: Cfn };

export function parseCloudFormationYaml(text: string): Record<string, Cfn> {
  const doc = parseDocument(text, { customTags, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
  const out = toCfn(doc.contents as Node);
  if (!out || typeof out !== 'object' || Array.isArray(out)) throw new Error('A template is a mapping');
  return out;
}

function toCfn(node: Node | null): Cfn {
  if (node === null) return null;
  const value = plain(node);
  const tag = node.tag;
  if (!tag?.startsWith('!')) return value;
  const name = tag.slice(1);
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  // `!GetAtt Resource.Attribute` is the one short form whose scalar splits (at the first dot).
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function plain(node: Node): Cfn {
  if (isScalar(node)) return node.value as Cfn;
  if (isSeq(node)) return node.items.map((item) => toCfn(item as Node));
  if (isMap(node)) {
    const out: Record<string, Cfn> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      out[key] = toCfn(pair.value as Node | null);
    }
    return out;
  }
  throw new Error(`Unsupported YAML node (aliases are not CloudFormation): ${String(node)}`);
}
