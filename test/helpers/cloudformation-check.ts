import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import { type PropertyType, RichSpecDatabase, type SpecDatabase } from '@aws-cdk/service-spec-types';
import type { Cfn } from './cloudformation-yaml.js';

/**
 * Static checks of a CloudFormation template (already in long form, see cloudformation-yaml.ts) against
 * the AWS resource specification that the AWS CDK maintains (@aws-cdk/aws-service-spec). Each check returns
 * a list of problems: empty means the template passes.
 */

type Obj = { [key: string]: Cfn };
export type Template = Record<string, Cfn>;

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

let specPromise: Promise<SpecDatabase> | undefined;
export function loadSpec(): Promise<SpecDatabase> {
  specPromise ??= loadAwsServiceSpec();
  return specPromise;
}

const isObj = (v: Cfn | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const section = (t: Template, name: string): Obj => (isObj(t[name]) ? t[name] : {});

/** `{Ref: …}`, `{Condition: …}` or `{'Fn::…': …}`: a value CloudFormation computes. */
export function isIntrinsic(v: Cfn | undefined): v is Obj {
  if (!isObj(v)) return false;
  const keys = Object.keys(v);
  return (
    keys.length === 1 &&
    (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0]?.startsWith('Fn::') === true)
  );
}

// ------------------------------------------------------------------ resource specification

export function specProblems(template: Template, db: SpecDatabase): string[] {
  const rich = new RichSpecDatabase(db);
  const problems: string[] = [];
  for (const [logicalId, resource] of Object.entries(section(template, 'Resources'))) {
    if (!isObj(resource) || typeof resource.Type !== 'string') {
      problems.push(`${logicalId}: a resource needs a Type`);
      continue;
    }
    const found = db.lookup('resource', 'cloudFormationType', 'equals', resource.Type);
    const spec = found[0];
    if (!spec) {
      problems.push(`${logicalId}: unknown resource type ${resource.Type}`);
      continue;
    }
    const props = resource.Properties ?? {};
    if (!isObj(props)) problems.push(`${logicalId}.Properties: must be a mapping`);
    else checkObject(rich, spec.properties, props, `${logicalId}(${resource.Type})`, problems);
  }
  return problems;
}

type SpecProps = Record<string, { type: PropertyType; required?: boolean }>;

function checkObject(
  rich: RichSpecDatabase,
  spec: SpecProps,
  value: Obj,
  where: string,
  out: string[],
): void {
  for (const [name, child] of Object.entries(value)) {
    const prop = spec[name];
    if (!prop) {
      out.push(`${where}: unknown property ${name} (known: ${Object.keys(spec).sort().join(', ')})`);
      continue;
    }
    checkValue(rich, prop.type, child, `${where}.${name}`, out);
  }
  for (const [name, prop] of Object.entries(spec)) {
    if (prop.required && !(name in value)) out.push(`${where}: required property ${name} is missing`);
  }
}

function checkValue(
  rich: RichSpecDatabase,
  type: PropertyType,
  value: Cfn,
  where: string,
  out: string[],
): void {
  if (isIntrinsic(value)) {
    // Both branches of an !If must fit the property (AWS::NoValue removes it).
    const branches = value['Fn::If'];
    if (Array.isArray(branches)) {
      for (const branch of branches.slice(1)) {
        if (isObj(branch) && branch.Ref === 'AWS::NoValue') continue;
        checkValue(rich, type, branch as Cfn, where, out);
      }
    }
    return;
  }
  switch (type.type) {
    case 'string':
    case 'date-time':
      if (typeof value === 'object' && value !== null) out.push(`${where}: expected a string`);
      return;
    case 'number':
    case 'integer':
      if (!(typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))))
        out.push(`${where}: expected a number, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (!(typeof value === 'boolean' || value === 'true' || value === 'false'))
        out.push(`${where}: expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'json':
    case 'null':
      return;
    case 'tag':
      if (!isObj(value) || !('Key' in value) || !('Value' in value))
        out.push(`${where}: expected {Key, Value}`);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        out.push(`${where}: expected a list`);
        return;
      }
      value.forEach((item, i) => {
        checkValue(rich, type.element, item, `${where}[${i}]`, out);
      });
      return;
    case 'map':
      if (!isObj(value)) {
        out.push(`${where}: expected a mapping`);
        return;
      }
      for (const [k, v] of Object.entries(value)) checkValue(rich, type.element, v, `${where}.${k}`, out);
      return;
    case 'union': {
      const attempts = type.types.map((t) => {
        const problems: string[] = [];
        checkValue(rich, t, value, where, problems);
        return problems;
      });
      if (!attempts.some((p) => p.length === 0)) out.push(...(attempts[0] ?? []));
      return;
    }
    case 'ref': {
      const def = rich.tryFindDef(type);
      if (!def) return;
      if (!isObj(value)) {
        out.push(`${where}: expected a ${def.name} mapping`);
        return;
      }
      checkObject(rich, def.properties, value, where, out);
      return;
    }
    default:
      return;
  }
}

// ------------------------------------------------------------------ references

interface Reference {
  kind: 'Ref' | 'GetAtt' | 'Sub' | 'Condition' | 'DependsOn';
  target: string;
  attribute?: string;
  where: string;
}

/** Every reference in a value: Ref, GetAtt, ${…} inside Sub, Condition names (incl. in !If). */
export function collectReferences(value: Cfn | undefined, where: string, out: Reference[] = []): Reference[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collectReferences(v, `${where}[${i}]`, out);
    });
    return out;
  }
  if (!isObj(value)) return out;
  if (isIntrinsic(value)) {
    const [fn, arg] = Object.entries(value)[0] as [string, Cfn];
    if ((fn === 'Ref' || fn === 'Condition') && typeof arg === 'string') {
      out.push({ kind: fn, target: arg, where });
      return out;
    }
    if (fn === 'Fn::GetAtt' && Array.isArray(arg) && typeof arg[0] === 'string') {
      out.push({ kind: 'GetAtt', target: arg[0], attribute: String(arg[1]), where });
      return out;
    }
    if (fn === 'Fn::If' && Array.isArray(arg) && typeof arg[0] === 'string') {
      out.push({ kind: 'Condition', target: arg[0], where });
      collectReferences(arg.slice(1), where, out);
      return out;
    }
    if (fn === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
      const local = new Set(isObj(vars) ? Object.keys(vars) : []);
      for (const match of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const name = (match[1] as string).trim();
        if (local.has(name)) continue;
        const dot = name.indexOf('.');
        if (dot > 0 && !name.startsWith('AWS::'))
          out.push({ kind: 'GetAtt', target: name.slice(0, dot), attribute: name.slice(dot + 1), where });
        else out.push({ kind: 'Sub', target: name, where });
      }
      collectReferences(vars, where, out);
      return out;
    }
    collectReferences(arg, where, out);
    return out;
  }
  for (const [k, v] of Object.entries(value as Obj)) collectReferences(v, `${where}.${k}`, out);
  return out;
}

/** Every Ref/GetAtt/${…}/Condition/DependsOn names something that exists (and GetAtt an attribute it has). */
export function referenceProblems(template: Template, db: SpecDatabase): string[] {
  const params = section(template, 'Parameters');
  const resources = section(template, 'Resources');
  const conditions = section(template, 'Conditions');
  const problems: string[] = [];
  const refs: Reference[] = [];
  for (const [name, cond] of Object.entries(conditions)) collectReferences(cond, `Conditions.${name}`, refs);
  collectReferences(section(template, 'Rules'), 'Rules', refs);
  for (const [id, res] of Object.entries(resources)) {
    if (!isObj(res)) continue;
    collectReferences(res.Properties, `Resources.${id}`, refs);
    if (typeof res.Condition === 'string')
      refs.push({ kind: 'Condition', target: res.Condition, where: `Resources.${id}` });
    for (const dep of [res.DependsOn ?? []].flat())
      refs.push({ kind: 'DependsOn', target: String(dep), where: `Resources.${id}` });
  }
  for (const [id, output] of Object.entries(section(template, 'Outputs'))) {
    collectReferences(output, `Outputs.${id}`, refs);
    if (isObj(output) && typeof output.Condition === 'string')
      refs.push({ kind: 'Condition', target: output.Condition, where: `Outputs.${id}` });
  }
  for (const ref of refs) {
    const target = ref.target;
    switch (ref.kind) {
      case 'Ref':
      case 'Sub':
        if (!(target in params) && !(target in resources) && !PSEUDO_PARAMETERS.has(target))
          problems.push(`${ref.where}: ${ref.kind} to unknown ${target}`);
        break;
      case 'Condition':
        if (!(target in conditions)) problems.push(`${ref.where}: unknown condition ${target}`);
        break;
      case 'DependsOn':
        if (!(target in resources)) problems.push(`${ref.where}: DependsOn unknown resource ${target}`);
        break;
      case 'GetAtt': {
        const res = resources[target];
        if (!isObj(res)) {
          problems.push(`${ref.where}: GetAtt of unknown resource ${target}`);
          break;
        }
        const spec = db.lookup('resource', 'cloudFormationType', 'equals', String(res.Type))[0];
        if (spec && !(String(ref.attribute) in spec.attributes))
          problems.push(`${ref.where}: ${res.Type} has no attribute ${ref.attribute}`);
        break;
      }
    }
  }
  return problems;
}

/** Parameters nobody reads are configuration that silently does nothing. */
export function unusedParameters(template: Template): string[] {
  const used = new Set(
    collectReferences({ ...template, Parameters: null, Metadata: null } as Cfn, '').map((r) => r.target),
  );
  return Object.keys(section(template, 'Parameters')).filter((p) => !used.has(p));
}

/** CloudFormation refuses templates whose resources depend on each other in a circle. */
export function dependencyCycles(template: Template): string[] {
  const resources = section(template, 'Resources');
  const edges = new Map<string, Set<string>>();
  for (const [id, res] of Object.entries(resources)) {
    if (!isObj(res)) continue;
    const deps = collectReferences(res.Properties, id)
      .filter((r) => r.kind !== 'Condition')
      .map((r) => r.target)
      .concat([res.DependsOn ?? []].flat().map(String))
      .filter((t) => t in resources);
    edges.set(id, new Set(deps));
  }
  const problems: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      problems.push(`circular dependency: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}`);
      return;
    }
    state.set(id, 'visiting');
    for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of edges.keys()) visit(id, []);
  return problems;
}

// ------------------------------------------------------------------ IAM

interface Statement {
  where: string;
  statement: Obj;
}

/** Policy statements of IAM roles, policies and resource policies (both branches of an !If). */
export function policyStatements(template: Template): Statement[] {
  const out: Statement[] = [];
  const fromDocument = (doc: Cfn | undefined, where: string) => {
    if (!isObj(doc)) return;
    const list = [doc.Statement ?? []].flat();
    list.forEach((s, i) => {
      const candidates = isObj(s) && Array.isArray(s['Fn::If']) ? s['Fn::If'].slice(1) : [s];
      for (const c of candidates) {
        if (isObj(c) && !isIntrinsic(c)) out.push({ where: `${where}.Statement[${i}]`, statement: c });
      }
    });
  };
  for (const [id, res] of Object.entries(section(template, 'Resources'))) {
    if (!isObj(res) || !isObj(res.Properties)) continue;
    const p = res.Properties;
    fromDocument(p.AssumeRolePolicyDocument, `${id}.AssumeRolePolicyDocument`);
    fromDocument(p.PolicyDocument, `${id}.PolicyDocument`);
    for (const [i, policy] of [p.Policies ?? []].flat().entries())
      if (isObj(policy)) fromDocument(policy.PolicyDocument, `${id}.Policies[${i}]`);
  }
  return out;
}

/**
 * Least privilege: no Allow statement grants a wildcard action (`*`, `s3:*`, `s3:Get*`) or a `*`
 * resource. (Deny statements may use wildcards: they take rights away.)
 */
export function iamProblems(template: Template): string[] {
  const problems: string[] = [];
  for (const { where, statement } of policyStatements(template)) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of [statement.Action ?? []].flat()) {
      if (typeof action === 'string' && action.includes('*'))
        problems.push(`${where}: wildcard action ${action}`);
    }
    if ('NotAction' in statement) problems.push(`${where}: NotAction grants everything else`);
    const isTrustPolicy = where.includes('AssumeRolePolicyDocument');
    if (!isTrustPolicy && !('Resource' in statement)) problems.push(`${where}: Allow without Resource`);
    for (const resource of [statement.Resource ?? []].flat()) {
      if (resource === '*') problems.push(`${where}: Resource "*"`);
    }
    if (isObj(statement.Principal) || statement.Principal === '*') {
      if (statement.Principal === '*' || (statement.Principal as Obj).AWS === '*')
        problems.push(`${where}: Allow to any principal`);
    }
  }
  return problems;
}

// ------------------------------------------------------------------ a stack's view, for given parameter values

const NO_VALUE = Symbol('AWS::NoValue');
type Resolved = Cfn | typeof NO_VALUE;

export interface ResolvedTemplate {
  /** Resources and Outputs whose condition holds, with every !If decided and AWS::NoValue removed. */
  template: Template;
  conditions: Record<string, boolean>;
}

/**
 * The template as CloudFormation reads it with these parameter values (the others at their defaults): the
 * values checked against the parameters' AllowedValues, AllowedPattern and lengths, the conditions evaluated,
 * each !If replaced by its branch, AWS::NoValue removed, the resources and outputs whose condition is false left
 * out, and Ref / ${…} / !Join of parameters replaced by their values. What only a stack knows (GetAtt, a
 * resource's Ref, pseudo parameters) stays as written.
 */
export function resolveTemplate(template: Template, values: Record<string, string> = {}): ResolvedTemplate {
  const params = section(template, 'Parameters');
  const conditionDefs = section(template, 'Conditions');
  for (const name of Object.keys(values)) if (!(name in params)) throw new Error(`no parameter ${name}`);

  const paramValues = new Map<string, string | string[]>();
  for (const [name, def] of Object.entries(params)) {
    if (!isObj(def)) continue;
    const given = values[name] ?? (def.Default === undefined ? undefined : String(def.Default));
    if (given === undefined) continue;
    const problem = parameterProblem(def, given);
    if (problem) throw new Error(`parameter ${name}=${JSON.stringify(given)}: ${problem}`);
    paramValues.set(name, def.Type === 'CommaDelimitedList' ? given.split(',') : given);
  }

  const conditions: Record<string, boolean> = {};
  const condition = (name: string): boolean => {
    if (!(name in conditionDefs)) throw new Error(`unknown condition ${name}`);
    conditions[name] ??= truth(conditionDefs[name] as Cfn, name);
    return conditions[name];
  };
  const truth = (expr: Cfn, where: string): boolean => {
    if (!isIntrinsic(expr))
      throw new Error(`${where}: a condition must be a function, got ${JSON.stringify(expr)}`);
    const [fn, arg] = Object.entries(expr)[0] as [string, Cfn];
    const args = Array.isArray(arg) ? arg : [arg];
    switch (fn) {
      case 'Condition':
        return condition(String(arg));
      case 'Fn::Not':
        return !truth(args[0] as Cfn, where);
      case 'Fn::And':
        return args.every((a) => truth(a, where));
      case 'Fn::Or':
        return args.some((a) => truth(a, where));
      case 'Fn::Equals': {
        const [a, b] = args.map((a) => resolve(a));
        if (typeof a === 'object' || typeof b === 'object' || a === NO_VALUE || b === NO_VALUE)
          throw new Error(`${where}: cannot compare ${JSON.stringify(a)} with ${JSON.stringify(b)}`);
        return String(a) === String(b);
      }
      default:
        throw new Error(`${where}: ${fn} is not a condition function`);
    }
  };

  const resolve = (value: Cfn): Resolved => {
    if (Array.isArray(value)) return value.map(resolve).filter((v): v is Cfn => v !== NO_VALUE);
    if (!isObj(value)) return value;
    if (!isIntrinsic(value)) {
      const out: Obj = {};
      for (const [k, v] of Object.entries(value as Obj)) {
        const r = resolve(v);
        if (r !== NO_VALUE) out[k] = r;
      }
      return out;
    }
    const [fn, arg] = Object.entries(value)[0] as [string, Cfn];
    if (fn === 'Ref' && arg === 'AWS::NoValue') return NO_VALUE;
    if (fn === 'Ref' && typeof arg === 'string' && paramValues.has(arg)) return paramValues.get(arg) as Cfn;
    if (fn === 'Fn::If' && Array.isArray(arg))
      return resolve((condition(String(arg[0])) ? arg[1] : arg[2]) as Cfn);
    if (fn === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg)
        ? [String(arg[0]), resolve(arg[1] as Cfn)]
        : [String(arg), undefined];
      const local = isObj(vars as Cfn) ? (vars as Obj) : {};
      const replaced = text.replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => {
        const v = name in local ? local[name] : paramValues.get(name);
        return typeof v === 'string' || typeof v === 'number' ? String(v) : whole;
      });
      if (!/\$\{[^!]/.test(replaced)) return replaced.replace(/\$\{!/g, '${');
      return { 'Fn::Sub': vars === undefined ? replaced : [replaced, vars as Cfn] };
    }
    if (fn === 'Fn::Join' && Array.isArray(arg)) {
      const list = resolve(arg[1] as Cfn);
      if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return list.join(String(arg[0]));
      return { [fn]: [arg[0] as Cfn, list as Cfn] };
    }
    const inner = resolve(arg);
    return { [fn]: inner === NO_VALUE ? null : inner };
  };

  const kept = (name: string): Obj => {
    const out: Obj = {};
    for (const [id, entry] of Object.entries(section(template, name))) {
      if (isObj(entry) && typeof entry.Condition === 'string' && !condition(entry.Condition)) continue;
      const r = resolve(entry);
      if (r !== NO_VALUE) out[id] = r;
    }
    return out;
  };
  for (const name of Object.keys(conditionDefs)) condition(name);
  return { template: { ...template, Resources: kept('Resources'), Outputs: kept('Outputs') }, conditions };
}

function parameterProblem(def: Obj, value: string): string | undefined {
  if (Array.isArray(def.AllowedValues) && !def.AllowedValues.map(String).includes(value))
    return `not one of ${def.AllowedValues.join(', ')}`;
  if (typeof def.AllowedPattern === 'string' && !new RegExp(`^(?:${def.AllowedPattern})$`).test(value))
    return `does not match ${def.AllowedPattern}`;
  if (typeof def.MinLength === 'number' && value.length < def.MinLength)
    return `shorter than ${def.MinLength}`;
  if (typeof def.MaxLength === 'number' && value.length > def.MaxLength)
    return `longer than ${def.MaxLength}`;
  if (def.Type === 'Number') {
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n)) return 'not a number';
    if (typeof def.MinValue === 'number' && n < def.MinValue) return `less than ${def.MinValue}`;
    if (typeof def.MaxValue === 'number' && n > def.MaxValue) return `more than ${def.MaxValue}`;
  }
  return undefined;
}
